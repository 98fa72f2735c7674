#include "model/utf8.h"

namespace spamguard {

bool IsValidUtf8(std::string_view text, size_t* error_offset) {
  bool valid = true;
  ForEachCodePoint(text, [&](size_t begin, size_t, UChar32 code_point) {
    if (code_point >= 0 || !valid) return;
    valid = false;
    if (error_offset != nullptr) *error_offset = begin;
  });
  return valid;
}

}  // namespace spamguard
