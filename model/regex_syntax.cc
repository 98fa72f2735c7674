#include "model/regex_syntax.h"

#include "model/ascii.h"

namespace spamguard {

bool IsQuotedPunctuation(char c) { return c >= 0x20 && c <= 0x7E && !IsAsciiAlnum(c) && c != '_'; }

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

std::optional<CountedRepeat> ReadCountedRepeat(std::string_view pattern, size_t& position,
                                               size_t cap) {
  size_t at = position + 1;  // past '{'
  // The digits at `at` as a count; false for none or a leading zero.
  auto read_count = [&](size_t& count) {
    const size_t begin = at;
    count = 0;
    while (at < pattern.size() && pattern[at] >= '0' && pattern[at] <= '9') {
      if (count <= cap) count = count * 10 + static_cast<size_t>(pattern[at] - '0');
      ++at;
    }
    return at > begin && !(at - begin > 1 && pattern[begin] == '0');
  };
  CountedRepeat repeat;
  if (!read_count(repeat.min)) return std::nullopt;
  repeat.max = repeat.min;
  if (at < pattern.size() && pattern[at] == ',') {
    ++at;
    if (at < pattern.size() && pattern[at] == '}') {
      repeat.max = std::nullopt;
    } else if (size_t most = 0; read_count(most)) {
      repeat.max = most;
    } else {
      return std::nullopt;
    }
  }
  if (at >= pattern.size() || pattern[at] != '}') return std::nullopt;
  position = at + 1;
  return repeat;
}

}  // namespace spamguard
