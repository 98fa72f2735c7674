// SpamModel: a trained fastText classifier, optionally paired with a LinearTextModel, plus
// their calibration, loaded from one file.
//
// File format (little-endian):
//   8 bytes   magic "SPGMODEL"
//   uint32    format version: 1 (fastText alone) or 2 (fastText and the linear model)
//   uint32    length N of the metadata JSON
//   N bytes   metadata JSON (ModelInfo: version, feature schema, calibration, metrics, ...;
//             in version 2 also "linear": its weight, payload size and checksum)
//   P bytes   the fastText model (quantized .ftz) exactly as fastText saves it
//   rest      version 2: the LinearTextModel's serialized bytes
// Version 1 files, written before the linear model existed, load and score as before.
// Load() checks the magic, the format version, the metadata (every key present with its
// type, its own checksum, a calibration slope > 0), the feature schema version and the
// payload checksum, and refuses a file that fails any check with kCorruption or
// kFailedPrecondition naming the file. Files written before the metadata checksum existed
// load without that one check.
//
// Thread safety: the scoring methods are const and allocates its scratch state per call (fastText's
// predict is const); one loaded SpamModel is shared read-only by all threads.
#ifndef SPAMGUARD_MODEL_SPAM_MODEL_H_
#define SPAMGUARD_MODEL_SPAM_MODEL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/linear_text_model.h"
#include "model/status.h"

namespace spamguard {

class FastTextClassifier;

// The newest format this build writes and reads; version 1 is still read.
inline constexpr uint32_t kSpamModelFormatVersion = 2;

// Figures measured on the validation split when the model was trained.
struct ModelMetrics {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  double mcc = 0;
  double ham_false_positive_rate = 0;
  double roc_auc = 0;
  double calibration_error = 0;
};

// Raw probabilities are clamped to [kRawProbabilityFloor, 1 - kRawProbabilityFloor]
// before their logit is taken; small enough not to tie fastText margins of up to ~34.
inline constexpr double kRawProbabilityFloor = 1e-15;
// logit(raw_probability), the probability clamped as above.
double RawLogit(double raw_probability);

// Platt scaling: calibrated = 1 / (1 + exp(-(slope * logit(raw) + intercept))).
struct PlattCalibration {
  double slope = 1;
  double intercept = 0;
  double Apply(double raw_probability) const;
  // The same, from the raw log-odds (the fastText margin) directly.
  double ApplyToMargin(double margin) const;
};

struct ModelInfo {
  std::string version;  // e.g. "20261125-221500-3fa2c1d0"
  int feature_schema_version = 0;
  PlattCalibration calibration;
  ModelMetrics validation_metrics;
  std::string trained_at;       // ISO 8601 UTC
  std::string parameters_json;  // the training parameters, as a JSON object text
  // The linear model's share of the averaged probability; 0 when there is none (version 1).
  double linear_weight = 0;
};

class SpamModel {
 public:
  // Loads and checks a model file (see the file comment).
  static Result<std::shared_ptr<const SpamModel>> Load(const std::string& path);
  // Writes a model file from a trained fastText model file (.ftz/.bin), the serialized
  // LinearTextModel (empty: none, a version 1 file) and their info, atomically and durably
  // (model/durable_files.h): on error the file at `path` is unchanged and no temporary is
  // left. Errors: kInvalidArgument for a linear payload without a weight in (0, 1) or a weight
  // without a payload; CheckReplaceable's; kIoError.
  static Status Write(const std::string& path, const std::string& fasttext_model_path,
                      const ModelInfo& info, const std::string& linear_payload = "");
  // OK when Write may put a model at `path`: nothing is there, or an empty file, or a file
  // that starts with the model magic (a model, even a damaged one). Anything else (a
  // directory, a corpus, any other file) is kFailedPrecondition naming the path: a model
  // never replaces what is not a model.
  static Status CheckReplaceable(const std::string& path);

  ~SpamModel();
  SpamModel(const SpamModel&) = delete;
  SpamModel& operator=(const SpamModel&) = delete;

  // Raw (uncalibrated) log-odds of spam for one FeatureBuilder line. Without a linear model:
  // fastText's output before its softmax, which unlike the softmax in float never saturates
  // at 0 or 1. With one: CombineMargins of the two.
  double SpamMargin(std::string_view model_input) const;
  // sigmoid(SpamMargin), in double precision.
  double RawSpamProbability(std::string_view model_input) const;
  // Calibrated probability: info().calibration applied to the margin.
  double SpamProbability(std::string_view model_input) const;

  // SpamProbability, with the linear model's features kept for SpamWords: a comment the model
  // leans toward spam is explained without scoring it twice. Holds views into model_input,
  // which must outlive it.
  struct LineScore {
    double margin = 0;                                 // SpamMargin
    double spam_probability = 0;                       // SpamProbability
    std::optional<LinearTextModel::LineScore> linear;  // none without a linear model
  };
  LineScore Score(std::string_view model_input) const;
  // The words that weigh most toward spam (LinearTextModel::SpamWords), at most `count`;
  // none without a linear model (fastText's average has no per-word share). `score` must
  // come from this model's Score().
  std::vector<std::string> SpamWords(const LineScore& score, size_t count) const;

  const ModelInfo& info() const { return info_; }
  const std::string& path() const { return path_; }

 private:
  SpamModel(std::string path, ModelInfo info, std::unique_ptr<FastTextClassifier> fasttext,
            std::unique_ptr<LinearTextModel> linear);
  std::string path_;
  ModelInfo info_;
  std::unique_ptr<FastTextClassifier> fasttext_;
  std::unique_ptr<LinearTextModel> linear_;  // null in a version 1 model
};

// The log-odds of (1 - w) * sigmoid(fasttext_margin) + w * sigmoid(linear_margin), the
// probability clamped to [kRawProbabilityFloor, 1 - kRawProbabilityFloor]. Averaging
// probabilities keeps either model's extreme margin (fastText's reach ~34) from outvoting
// the other. The trainer scores validation lines with the same function.
double CombineMargins(double fasttext_margin, double linear_margin, double linear_weight);

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_SPAM_MODEL_H_
