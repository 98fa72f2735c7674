// URL parts the entity extractor and the rule pack both need: ASCII lower case, a URL
// without its scheme, and a URL's host. Plain string functions: no state, never fail.
#ifndef SPAMGUARD_MODEL_URL_PARTS_H_
#define SPAMGUARD_MODEL_URL_PARTS_H_

#include <string>
#include <string_view>

namespace spamguard {

// ASCII lower case; other bytes unchanged (UTF-8 stays valid).
std::string AsciiLower(std::string_view s);

// A URL without its scheme ("https://a.example/x" and "//a.example/x" -> "a.example/x");
// other input unchanged. A scheme is a letter, then letters, digits, '+' or '-', before a
// leading "://": not a "://" further on ("a.example/?u=http://b.example"), and not a host
// ("www.a.example://b.example").
std::string_view AfterScheme(std::string_view url);

// A URL as a browser reads it before parsing (WHATWG URL): leading and trailing spaces and
// control characters dropped, tabs and line breaks anywhere removed. A link in an author
// field with a space in front, or a tab inside, goes to the same place.
std::string BrowserUrl(std::string_view url);

// The host of a URL or of a bare host, read as a browser reads it (BrowserUrl); then the
// scheme, user info, port, path ('/' or '\'), query, fragment and leading or trailing dots
// ("  https://user@www.Example.com.:8080/x" -> "www.Example.com"). An IPv6 literal keeps its
// brackets ("http://[::1]:80/" -> "[::1]"). Empty when there is no host.
std::string UrlHost(std::string_view url);

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_URL_PARTS_H_
