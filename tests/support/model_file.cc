#include "tests/support/model_file.h"

#include <cstdint>
#include <cstdio>

#include "model/fnv_hash.h"

namespace spamguard::testing {

namespace {

uint32_t ReadUint32(const std::string& file, size_t offset) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    value |= uint32_t(static_cast<unsigned char>(file.at(offset + i))) << (8 * i);
  }
  return value;
}

uint32_t MetadataLength(const std::string& file) { return ReadUint32(file, 12); }

}  // namespace

std::string EditModelMetadata(const std::string& file,
                              const std::function<void(nlohmann::json&)>& edit, bool reseal) {
  const uint32_t length = MetadataLength(file);
  nlohmann::json metadata = nlohmann::json::parse(file.substr(16, length));
  metadata.erase("metadata_fnv1a64");
  edit(metadata);
  if (reseal) metadata["metadata_fnv1a64"] = ChecksumHex(Fnv1a64(metadata.dump()));
  const std::string text = metadata.dump();
  std::string header = file.substr(0, 12);
  for (int i = 0; i < 4; ++i) header.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xff));
  return header + text + ModelPayload(file);
}

uint32_t ModelFormatVersion(const std::string& file) { return ReadUint32(file, 8); }

std::string ModelPayload(const std::string& file) { return file.substr(16 + MetadataLength(file)); }

std::string ChecksumHex(uint64_t checksum) {
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(checksum));
  return hex;
}

}  // namespace spamguard::testing
