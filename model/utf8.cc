#include "model/utf8.h"

#include <unicode/utf8.h>

#include <cstdint>

namespace spamguard {

bool IsValidUtf8(std::string_view text, size_t* error_offset) {
  const auto length = static_cast<int64_t>(text.size());
  int64_t i = 0;
  while (i < length) {
    const int64_t start = i;
    UChar32 c = 0;
    U8_NEXT(text.data(), i, length, c);
    if (c < 0) {
      if (error_offset != nullptr) *error_offset = static_cast<size_t>(start);
      return false;
    }
  }
  return true;
}

}  // namespace spamguard
