#include "model/spam_model.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "model/durable_files.h"
#include "model/fasttext_classifier.h"
#include "model/features.h"
#include "model/fnv_hash.h"
#include "model/linear_text_model.h"
#include "model/scorer.h"

namespace spamguard {
namespace {

constexpr char kMagic[8] = {'S', 'P', 'G', 'M', 'O', 'D', 'E', 'L'};
// A metadata block larger than this is not a model file of ours.
constexpr uint32_t kMaxMetadataBytes = 1 << 20;

// The payload checksum (FNV-1a 64; detects truncation and flipped bytes in the fastText
// payload) starts from this basis: the standard one with its last digit missing. Every
// model file written so far carries a checksum made with it, so it stays.
constexpr uint64_t kPayloadChecksumBasis = 1469598103934665603ULL;

// FNV-1a 64 (standard basis) of the metadata JSON without this key, as nlohmann::json dumps
// it (keys sorted, so the dump of what was read is the dump that was written). Detects
// damage and hand edits, not a forger: whoever can write the model file can recompute it.
constexpr char kMetadataChecksumKey[] = "metadata_fnv1a64";

std::string Hex64(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(value));
  return text;
}

void PutUint32(std::string& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint32_t GetUint32(const char* bytes) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= uint32_t(static_cast<unsigned char>(bytes[i])) << (8 * i);
  return value;
}

nlohmann::json MetricsToJson(const ModelMetrics& m) {
  return {{"precision", m.precision},
          {"recall", m.recall},
          {"f1", m.f1},
          {"mcc", m.mcc},
          {"ham_false_positive_rate", m.ham_false_positive_rate},
          {"roc_auc", m.roc_auc},
          {"calibration_error", m.calibration_error}};
}

ModelMetrics MetricsFromJson(const nlohmann::json& j) {
  ModelMetrics m;
  m.precision = j.value("precision", 0.0);
  m.recall = j.value("recall", 0.0);
  m.f1 = j.value("f1", 0.0);
  m.mcc = j.value("mcc", 0.0);
  m.ham_false_positive_rate = j.value("ham_false_positive_rate", 0.0);
  m.roc_auc = j.value("roc_auc", 0.0);
  m.calibration_error = j.value("calibration_error", 0.0);
  return m;
}

// The metadata block, read strictly: a missing key or a value of the wrong type is damage,
// not a default (a renamed "intercept" must not load as 0).
struct Metadata {
  ModelInfo info;
  uint64_t payload_bytes = 0;
  std::string payload_checksum;
  uint64_t linear_payload_bytes = 0;  // version 2
  std::string linear_payload_checksum;
};

// A size in the metadata must be a non-negative integer: get<uint64_t>() would wrap a
// negative one and cast a fractional one out of range.
bool IsByteCount(const nlohmann::json& value) { return value.is_number_unsigned(); }

Result<Metadata> ReadMetadata(const std::string& text, const std::string& path,
                              uint32_t format_version) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Corruption(path + ": model metadata is not a JSON object");
  }
  // Files written before the metadata checksum existed have none; they are read as before.
  if (auto stored = j.find(kMetadataChecksumKey); stored != j.end()) {
    const std::string expected = stored->is_string() ? stored->get<std::string>() : "";
    j.erase(stored);
    if (expected != Hex64(Fnv1a64(j.dump()))) {
      return Status::Corruption(path + ": model metadata is damaged or was edited (checksum)");
    }
  }
  Metadata metadata;
  ModelInfo& info = metadata.info;
  try {
    info.version = j.at("version").get<std::string>();
    info.feature_schema_version = j.at("feature_schema_version").get<int>();
    info.trained_at = j.at("trained_at").get<std::string>();
    const nlohmann::json& calibration = j.at("calibration");
    info.calibration.slope = calibration.at("slope").get<double>();
    info.calibration.intercept = calibration.at("intercept").get<double>();
    if (j.contains("validation_metrics")) {
      info.validation_metrics = MetricsFromJson(j["validation_metrics"]);
    }
    if (j.contains("parameters")) info.parameters_json = j["parameters"].dump();
    if (!IsByteCount(j.at("payload_bytes"))) {
      return Status::Corruption(path +
                                ": model metadata is damaged: payload_bytes is not a byte count");
    }
    metadata.payload_bytes = j.at("payload_bytes").get<uint64_t>();
    metadata.payload_checksum = j.at("payload_fnv1a64").get<std::string>();
    if (format_version >= 2) {
      const nlohmann::json& linear = j.at("linear");
      info.linear_weight = linear.at("weight").get<double>();
      if (!IsByteCount(linear.at("payload_bytes"))) {
        return Status::Corruption(
            path + ": model metadata is damaged: linear.payload_bytes is not a byte count");
      }
      metadata.linear_payload_bytes = linear.at("payload_bytes").get<uint64_t>();
      metadata.linear_payload_checksum = linear.at("payload_fnv1a64").get<std::string>();
    }
  } catch (const nlohmann::json::exception& error) {
    return Status::Corruption(path + ": model metadata is damaged: " + error.what());
  }
  if (info.version.empty()) return Status::Corruption(path + ": model metadata has no version");
  // Platt scaling with a slope <= 0 would turn every verdict around.
  if (!std::isfinite(info.calibration.slope) || info.calibration.slope <= 0 ||
      !std::isfinite(info.calibration.intercept)) {
    return Status::Corruption(path + ": model calibration out of range (slope " +
                              std::to_string(info.calibration.slope) + ", intercept " +
                              std::to_string(info.calibration.intercept) +
                              "; the slope must be positive)");
  }
  if (format_version >= 2 && !(info.linear_weight > 0 && info.linear_weight < 1)) {
    return Status::Corruption(path + ": linear model weight " + std::to_string(info.linear_weight) +
                              " is not in (0, 1)");
  }
  return metadata;
}

}  // namespace

double RawLogit(double raw_probability) {
  const double p = std::clamp(raw_probability, kRawProbabilityFloor, 1.0 - kRawProbabilityFloor);
  return std::log(p / (1.0 - p));
}

double CombineMargins(double fasttext_margin, double linear_margin, double linear_weight) {
  return RawLogit((1 - linear_weight) * Sigmoid(fasttext_margin) +
                  linear_weight * Sigmoid(linear_margin));
}

double PlattCalibration::Apply(double raw_probability) const {
  return ApplyToMargin(RawLogit(raw_probability));
}

double PlattCalibration::ApplyToMargin(double margin) const {
  return Sigmoid(slope * margin + intercept);
}

SpamModel::SpamModel(std::string path, ModelInfo info, std::unique_ptr<FastTextClassifier> fasttext,
                     std::unique_ptr<LinearTextModel> linear)
    : path_(std::move(path)),
      info_(std::move(info)),
      fasttext_(std::move(fasttext)),
      linear_(std::move(linear)) {}

SpamModel::~SpamModel() = default;

Status SpamModel::CheckReplaceable(const std::string& path) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) return Status::Ok();
  if (!std::filesystem::is_regular_file(status)) {
    return Status::FailedPrecondition(path +
                                      " exists and is not a file; a model is not written "
                                      "over it");
  }
  std::ifstream in(path, std::ios::binary);
  char magic[sizeof(kMagic)];
  in.read(magic, sizeof(magic));
  if (in.gcount() == 0 && std::filesystem::file_size(path, error) == 0) return Status::Ok();
  if (in.gcount() == sizeof(magic) && std::memcmp(magic, kMagic, sizeof(kMagic)) == 0) {
    return Status::Ok();
  }
  return Status::FailedPrecondition(path +
                                    " exists and is not a Spamguard model; a model is not "
                                    "written over it");
}

Status SpamModel::Write(const std::string& path, const std::string& fasttext_model_path,
                        const ModelInfo& info, const std::string& linear_payload) {
  const bool has_linear = !linear_payload.empty();
  if (has_linear != (info.linear_weight != 0) ||
      (has_linear && !(info.linear_weight > 0 && info.linear_weight < 1))) {
    return Status::InvalidArgument(
        "a linear model needs a weight in (0, 1), and a weight needs "
        "a linear model (weight " +
        std::to_string(info.linear_weight) + ", " + std::to_string(linear_payload.size()) +
        " payload bytes)");
  }
  if (Status s = CheckReplaceable(path); !s.ok()) return s;
  std::ifstream in(fasttext_model_path, std::ios::binary);
  if (!in) return Status::IoError("cannot read fastText model " + fasttext_model_path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string payload = buffer.str();

  nlohmann::json metadata = {
      {"version", info.version},
      {"feature_schema_version", info.feature_schema_version},
      {"trained_at", info.trained_at},
      {"calibration",
       {{"slope", info.calibration.slope}, {"intercept", info.calibration.intercept}}},
      {"validation_metrics", MetricsToJson(info.validation_metrics)},
      {"payload_bytes", payload.size()},
      {"payload_fnv1a64", Hex64(Fnv1a64(payload, kPayloadChecksumBasis))},
  };
  if (has_linear) {
    metadata["linear"] = {
        {"weight", info.linear_weight},
        {"payload_bytes", linear_payload.size()},
        {"payload_fnv1a64", Hex64(Fnv1a64(linear_payload, kPayloadChecksumBasis))},
    };
  }
  if (!info.parameters_json.empty()) {
    nlohmann::json parameters = nlohmann::json::parse(info.parameters_json, nullptr, false);
    if (!parameters.is_discarded()) metadata["parameters"] = parameters;
  }
  metadata[kMetadataChecksumKey] = Hex64(Fnv1a64(metadata.dump()));
  const std::string metadata_text = metadata.dump();

  std::string header(kMagic, sizeof(kMagic));
  PutUint32(header, has_linear ? 2 : 1);
  PutUint32(header, static_cast<uint32_t>(metadata_text.size()));

  // Written beside the target, synced and renamed, so a reader never sees half a model and
  // power loss never leaves the name pointing at an empty file.
  return WriteFileAtomically(path, header + metadata_text + payload + linear_payload);
}

Result<std::shared_ptr<const SpamModel>> SpamModel::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open model file " + path);
  char header[16];
  if (!in.read(header, sizeof(header))) {
    return Status::Corruption(path + ": too short to be a Spamguard model");
  }
  if (std::memcmp(header, kMagic, sizeof(kMagic)) != 0) {
    return Status::Corruption(path + ": not a Spamguard model (bad magic number)");
  }
  const uint32_t format_version = GetUint32(header + 8);
  if (format_version < 1 || format_version > kSpamModelFormatVersion) {
    return Status::FailedPrecondition(path + ": model format version " +
                                      std::to_string(format_version) + ", this build reads 1 to " +
                                      std::to_string(kSpamModelFormatVersion));
  }
  const uint32_t metadata_size = GetUint32(header + 12);
  if (metadata_size == 0 || metadata_size > kMaxMetadataBytes) {
    return Status::Corruption(path + ": implausible metadata size " +
                              std::to_string(metadata_size));
  }
  std::string metadata(metadata_size, '\0');
  if (!in.read(metadata.data(), metadata_size)) {
    return Status::Corruption(path + ": truncated metadata");
  }
  Result<Metadata> read = ReadMetadata(metadata, path, format_version);
  if (!read.ok()) return read.status();
  ModelInfo& info = read->info;
  if (info.feature_schema_version < kOldestFeatureSchemaVersion ||
      info.feature_schema_version > kFeatureSchemaVersion) {
    return Status::FailedPrecondition(
        path + ": trained with feature schema " + std::to_string(info.feature_schema_version) +
        ", this build reads " + std::to_string(kOldestFeatureSchemaVersion) + " to " +
        std::to_string(kFeatureSchemaVersion) + "; retrain the model");
  }

  std::stringstream rest_stream;
  rest_stream << in.rdbuf();
  const std::string rest = rest_stream.str();
  // Compared without adding the two sizes, which a crafted file could make wrap around.
  if (read->payload_bytes > rest.size() ||
      read->linear_payload_bytes != rest.size() - read->payload_bytes) {
    return Status::Corruption(path + ": payload is " + std::to_string(rest.size()) +
                              " bytes, the metadata says " + std::to_string(read->payload_bytes) +
                              " + " + std::to_string(read->linear_payload_bytes) +
                              " (truncated or damaged)");
  }
  std::istringstream payload(rest.substr(0, read->payload_bytes));
  if (read->payload_checksum != Hex64(Fnv1a64(payload.str(), kPayloadChecksumBasis))) {
    return Status::Corruption(path + ": fastText payload is truncated or damaged (checksum)");
  }
  std::unique_ptr<LinearTextModel> linear;
  if (format_version >= 2) {
    const std::string_view bytes = std::string_view(rest).substr(read->payload_bytes);
    if (read->linear_payload_checksum != Hex64(Fnv1a64(bytes, kPayloadChecksumBasis))) {
      return Status::Corruption(path + ": linear model payload is damaged (checksum)");
    }
    Result<LinearTextModel> parsed = LinearTextModel::Parse(bytes);
    if (!parsed.ok()) return Status::Corruption(path + ": " + parsed.status().message());
    linear = std::make_unique<LinearTextModel>(std::move(*parsed));
  }

  auto fasttext = std::make_unique<FastTextClassifier>();
  try {
    if (!fasttext->ReadHeader(payload)) {
      return Status::Corruption(path + ": embedded fastText model has a bad header or version");
    }
    fasttext->loadModel(payload);
  } catch (const std::exception& error) {
    return Status::Corruption(path + ": fastText model unreadable: " + error.what());
  }
  if (!fasttext->PrepareForScoring()) {
    return Status::Corruption(path +
                              ": fastText model is not a softmax classifier with the "
                              "__label__spam and __label__ham labels and a dense output matrix");
  }
  return std::shared_ptr<const SpamModel>(
      new SpamModel(path, std::move(info), std::move(fasttext), std::move(linear)));
}

double SpamModel::SpamMargin(std::string_view model_input) const {
  return Score(model_input).margin;
}

double SpamModel::RawSpamProbability(std::string_view model_input) const {
  return Sigmoid(SpamMargin(model_input));
}

double SpamModel::SpamProbability(std::string_view model_input) const {
  return Score(model_input).spam_probability;
}

SpamModel::LineScore SpamModel::Score(std::string_view model_input) const {
  LineScore score;
  score.margin = fasttext_->SpamMargin(model_input);
  if (linear_) {
    score.linear = linear_->Score(model_input);
    score.margin = CombineMargins(score.margin, score.linear->margin(), info_.linear_weight);
  }
  score.spam_probability = info_.calibration.ApplyToMargin(score.margin);
  return score;
}

std::vector<std::string> SpamModel::SpamWords(const LineScore& score, size_t count) const {
  std::vector<std::string> words;
  if (!linear_ || !score.linear) return words;
  for (WordShare& share : linear_->SpamWords(*score.linear, count)) {
    words.push_back(std::move(share.word));
  }
  return words;
}

}  // namespace spamguard
