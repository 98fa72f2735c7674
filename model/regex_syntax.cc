#include "model/regex_syntax.h"

namespace spamguard {

bool SkipGroupOpening(std::string_view pattern, size_t& position) {
  ++position;  // '('
  const std::string_view rest = pattern.substr(position);
  if (rest.substr(0, 2) == "?:") {
    position += 2;
  } else if (rest.substr(0, 3) == "?P<") {
    const size_t close = pattern.find('>', position);
    if (close == std::string_view::npos) return false;
    position = close + 1;
  } else if (rest.substr(0, 1) == "?") {
    return false;
  }
  return true;
}

}  // namespace spamguard
