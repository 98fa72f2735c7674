#include "cli/option_values.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>

namespace spamguard::cli {
namespace {

// The value of a non-empty run of ASCII digits, or nullopt when it does not fit in int64_t
// (or is not all digits).
std::optional<int64_t> ParseDigits(std::string_view digits) {
  if (digits.empty()) return std::nullopt;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

// Milliseconds in one unit of an age, or 0 when `unit` is not one.
int64_t AgeUnitMs(char unit) {
  switch (unit) {
    case 'm':
      return 60'000;
    case 'h':
      return 3'600'000;
    case 'd':
      return 86'400'000;
    default:
      return 0;
  }
}

// "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS[Z]" (UTC), as Unix seconds; nullopt when the whole
// text is not one. Sets *impossible when the text has the form but names no real day or
// time ("2026-02-31", "25:00:00"): strptime takes any day 1..31 and timegm carries it into
// the next month, so the fields are compared after the conversion.
std::optional<int64_t> ParseUtcSeconds(const std::string& text, bool* impossible) {
  *impossible = false;
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr || (*end != '\0' && std::string_view(end) != "Z")) {
    tm = std::tm{};
    end = strptime(text.c_str(), "%Y-%m-%d", &tm);
    if (end == nullptr || *end != '\0') return std::nullopt;
  }
  const std::tm as_written = tm;
  const int64_t seconds = static_cast<int64_t>(timegm(&tm));
  if (tm.tm_year != as_written.tm_year || tm.tm_mon != as_written.tm_mon ||
      tm.tm_mday != as_written.tm_mday || tm.tm_hour != as_written.tm_hour ||
      tm.tm_min != as_written.tm_min || tm.tm_sec != as_written.tm_sec) {
    *impossible = true;
    return std::nullopt;
  }
  return seconds;
}

}  // namespace

Result<int64_t> ParseSinceOption(const std::string& text, int64_t now_ms) {
  const auto invalid = [&text](const std::string& why) {
    return Status::InvalidArgument("--since '" + text + "' " + why);
  };
  if (text.empty()) return invalid("is empty");
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    const std::optional<int64_t> unix_ms = ParseDigits(text);
    if (!unix_ms) return invalid("is too large for Unix milliseconds");
    return *unix_ms;
  }
  if (const int64_t unit_ms = AgeUnitMs(text.back()); unit_ms != 0 && text.size() >= 2) {
    const std::string_view number(text.data(), text.size() - 1);
    if (number.find_first_not_of("0123456789") == std::string_view::npos) {
      // Digits too many for int64_t are an age older than 1970 as surely as a large one.
      const std::optional<int64_t> count = ParseDigits(number);
      if (!count || *count > now_ms / unit_ms) return int64_t{0};
      return now_ms - *count * unit_ms;
    }
  }
  // A date: strptime skips leading blanks and takes signs, which no form here has.
  if (text.front() >= '0' && text.front() <= '9') {
    bool impossible = false;
    const std::optional<int64_t> seconds = ParseUtcSeconds(text, &impossible);
    if (impossible) return invalid("is not a real date or time (no such day, hour or minute)");
    if (seconds) {
      constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1000;
      if (*seconds > kMaxSeconds || *seconds < -kMaxSeconds) return invalid("is out of range");
      return *seconds * 1000;
    }
  }
  return invalid(
      "is not Unix ms, a date (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ) or an age (90m, 24h, 7d)");
}

CLI::Validator FiniteNumberIn(double min, double max, bool min_exclusive, bool max_exclusive) {
  std::ostringstream range;
  range << (min_exclusive ? "(" : "[") << min << ", " << max << (max_exclusive ? ")" : "]");
  const std::string description = "a finite number in " + range.str();
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        const char* begin = text.c_str();
        char* end = nullptr;
        const double value = std::strtod(begin, &end);
        const bool in_range = end != begin && *end == '\0' && std::isfinite(value) &&
                              (min_exclusive ? value > min : value >= min) &&
                              (max_exclusive ? value < max : value <= max);
        return in_range ? "" : "must be " + description + ", got '" + text + "'";
      },
      description);
}

CLI::Validator WholeNumberIn(int64_t min, int64_t max) {
  const std::string description =
      "a whole number in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        int64_t value = 0;
        const char* end = text.data() + text.size();
        const auto [parsed_end, error] = std::from_chars(text.data(), end, value);
        const bool in_range = !text.empty() && error == std::errc() && parsed_end == end &&
                              value >= min && value <= max;
        return in_range ? "" : "must be " + description + ", got '" + text + "'";
      },
      description);
}

CLI::Validator ServerAddress() {
  const std::string description = "HOST:PORT, PORT from 1 to 65535";
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        const size_t colon = text.rfind(':');
        const std::string host = colon == std::string::npos ? "" : text.substr(0, colon);
        const std::string port = colon == std::string::npos ? "" : text.substr(colon + 1);
        int value = 0;
        const char* end = port.data() + port.size();
        const auto [parsed_end, error] = std::from_chars(port.data(), end, value);
        const bool bracketed_ipv6 = host.size() > 2 && host.front() == '[' && host.back() == ']';
        const bool valid_host =
            !host.empty() && (bracketed_ipv6 || host.find(':') == std::string::npos);
        const bool valid_port = !port.empty() && error == std::errc() && parsed_end == end &&
                                value >= 1 && value <= 65535 && port.front() != '+';
        return valid_host && valid_port ? "" : "must be " + description + ", got '" + text + "'";
      },
      description);
}

}  // namespace spamguard::cli
