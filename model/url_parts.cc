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
  // Only a leading "letters://" is a scheme: in "a.example/?u=http://b.example" the host is
  // a.example.
  const size_t scheme = url.find("://");
  const bool is_scheme =
      scheme != std::string_view::npos && scheme > 0 &&
      std::all_of(url.begin(), url.begin() + static_cast<std::ptrdiff_t>(scheme), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '-' || c == '.';
      });
  if (is_scheme) {
    url.remove_prefix(scheme + 3);
  } else if (url.substr(0, 2) == "//") {
    url.remove_prefix(2);
  }
  return url;
}

std::string_view UrlHost(std::string_view url) {
  url = AfterScheme(url);
  url = url.substr(0, url.find_first_of("/?#"));
  if (const size_t at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  if (!url.empty() && url.front() == '[') return url.substr(0, url.find(']') + 1);  // IPv6
  url = url.substr(0, url.find(':'));
  while (!url.empty() && url.back() == '.') url.remove_suffix(1);
  while (!url.empty() && url.front() == '.') url.remove_prefix(1);
  return url;
}

}  // namespace spamguard
