// rule_pack: the parts of a compiled rule pack that are more than a declaration.
#include "model/rule_pack.h"

#include <arpa/inet.h>

#include <cstring>

namespace spamguard::rule_pack {

std::optional<IpBytes> ParseIp(const std::string& text) {
  IpBytes bytes{};
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    std::memcpy(bytes.data() + 12, &v4, 4);
    return bytes;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    std::memcpy(bytes.data(), &v6, 16);
    return bytes;
  }
  return std::nullopt;
}

std::optional<std::string> IpSet::Add(const std::string& entry) {
  const size_t slash = entry.find('/');
  const std::string address = entry.substr(0, slash);
  const std::optional<IpBytes> bytes = ParseIp(address);
  if (!bytes) return "'" + entry + "' is not an IPv4 or IPv6 address or CIDR range";
  const bool v4 = address.find(':') == std::string::npos;
  int prefix = 128;
  if (slash != std::string::npos) {
    const std::string bits = entry.substr(slash + 1);
    const int max_bits = v4 ? 32 : 128;
    if (bits.empty() || bits.size() > 3 ||
        bits.find_first_not_of("0123456789") != std::string::npos || std::stoi(bits) > max_bits) {
      return "'" + entry + "' has an invalid prefix length (0.." + std::to_string(max_bits) + ")";
    }
    prefix = std::stoi(bits) + (v4 ? 96 : 0);
  }
  ranges_.push_back(Range{*bytes, prefix});
  return std::nullopt;
}

bool IpSet::Matches(const IpBytes& ip) const {
  for (const Range& range : ranges_) {
    int bits = range.prefix;
    size_t i = 0;
    for (; bits >= 8; ++i, bits -= 8) {
      if (ip[i] != range.bytes[i]) break;
    }
    if (bits >= 8) continue;
    if (bits == 0) return true;
    const uint8_t mask = static_cast<uint8_t>(0xff << (8 - bits));
    if ((ip[i] & mask) == (range.bytes[i] & mask)) return true;
  }
  return false;
}

// Case-sensitive on purpose: the text is already case-folded by the normalizer and patterns
// are folded at load (FoldPatternCase), which makes the set several times cheaper to compile
// than RE2's case-insensitive mode while matching the same texts.
RE2::Options PatternOptions() {
  RE2::Options options;
  options.set_case_sensitive(true);
  options.set_log_errors(false);
  options.set_encoding(RE2::Options::EncodingUTF8);
  return options;
}

}  // namespace spamguard::rule_pack
