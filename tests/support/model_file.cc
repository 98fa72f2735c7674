#include "tests/support/model_file.h"

#include <cstdint>
#include <cstdio>

#include "model/fnv_hash.h"

namespace spamguard::testing {

std::string EditModelMetadata(const std::string& file,
                              const std::function<void(nlohmann::json&)>& edit, bool reseal) {
  uint32_t length = 0;
  for (int i = 0; i < 4; ++i) {
    length |= uint32_t(static_cast<unsigned char>(file[12 + i])) << (8 * i);
  }
  nlohmann::json metadata = nlohmann::json::parse(file.substr(16, length));
  metadata.erase("metadata_fnv1a64");
  edit(metadata);
  if (reseal) {
    char checksum[17];
    std::snprintf(checksum, sizeof(checksum), "%016llx",
                  static_cast<unsigned long long>(Fnv1a64(metadata.dump())));
    metadata["metadata_fnv1a64"] = checksum;
  }
  const std::string text = metadata.dump();
  std::string header = file.substr(0, 12);
  for (int i = 0; i < 4; ++i) header.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xff));
  return header + text + file.substr(16 + length);
}

}  // namespace spamguard::testing
