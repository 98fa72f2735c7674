// Rewriting a Spamguard model file's metadata block, for tests that need a damaged, edited or
// older-format model. The layout is model/spam_model.h's: 12 bytes of magic and format
// version, the metadata's length (4 bytes, little-endian), the metadata JSON, the payload.
#ifndef SPAMGUARD_TESTS_SUPPORT_MODEL_FILE_H_
#define SPAMGUARD_TESTS_SUPPORT_MODEL_FILE_H_

#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace spamguard::testing {

// `file` (a model file's bytes) with its metadata passed through `edit`. The stored metadata
// checksum is removed before `edit` sees the metadata; with `reseal` a checksum matching the
// edited metadata is added back (what a tool that knows the format would write), without it
// the file reads as one from a build before the checksum.
std::string EditModelMetadata(const std::string& file,
                              const std::function<void(nlohmann::json&)>& edit, bool reseal);

// The format version `file` (a model file's bytes) declares: 1 fastText alone, 2 with the
// linear model.
uint32_t ModelFormatVersion(const std::string& file);

// Everything after the metadata: the fastText payload, then in format 2 the linear one.
std::string ModelPayload(const std::string& file);

// A checksum as the metadata writes it: 16 lower-case hex digits.
std::string ChecksumHex(uint64_t checksum);

}  // namespace spamguard::testing

#endif  // SPAMGUARD_TESTS_SUPPORT_MODEL_FILE_H_
