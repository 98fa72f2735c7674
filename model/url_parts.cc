// url_parts: see the header.
#include "model/url_parts.h"

#include <algorithm>

namespace spamguard {

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view AfterScheme(std::string_view url) {
  const size_t scheme = url.find("://");
  const auto is_scheme_character = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '-';
  };
  const bool is_scheme = scheme != std::string_view::npos && scheme > 0 &&
                         ((url[0] >= 'a' && url[0] <= 'z') || (url[0] >= 'A' && url[0] <= 'Z')) &&
                         std::all_of(url.begin(), url.begin() + static_cast<std::ptrdiff_t>(scheme),
                                     is_scheme_character);
  if (is_scheme) {
    url.remove_prefix(scheme + 3);
  } else if (url.substr(0, 2) == "//") {
    url.remove_prefix(2);
  }
  return url;
}

std::string BrowserUrl(std::string_view url) {
  const auto is_control_or_space = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
  while (!url.empty() && is_control_or_space(url.front())) url.remove_prefix(1);
  while (!url.empty() && is_control_or_space(url.back())) url.remove_suffix(1);
  std::string cleaned;
  cleaned.reserve(url.size());
  for (char c : url) {
    if (c != '\t' && c != '\n' && c != '\r') cleaned.push_back(c);
  }
  return cleaned;
}

std::string UrlHost(std::string_view original) {
  const std::string cleaned = BrowserUrl(original);
  std::string_view url = AfterScheme(cleaned);
  url = url.substr(0, url.find_first_of("/\\?#"));
  if (const size_t at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  if (!url.empty() && url.front() == '[') return std::string(url.substr(0, url.find(']') + 1));
  url = url.substr(0, url.find(':'));
  while (!url.empty() && url.back() == '.') url.remove_suffix(1);
  while (!url.empty() && url.front() == '.') url.remove_prefix(1);
  return std::string(url);
}

}  // namespace spamguard
