// Publishing a trained model as a new version of a model store (model/model_store.h), for
// `train --publish` and `retrain`. Internal to spamguardctl.
//
// The model is trained into a hidden staging directory of the store (CreateStagingDirectory);
// Publish writes metrics.json and manifest.json beside it, renames the directory to its
// version name once complete, and then switches `current` (SetCurrent). A manifest records
// what the version was made from: the FileFingerprint of every input and of the model file,
// and the GitRevision of the source.
//
// The functions touch only the file system and keep no state; they do not lock the store, so
// two commands must not publish into the same store at once.
#ifndef SPAMGUARD_CLI_MODEL_PUBLISHING_H_
#define SPAMGUARD_CLI_MODEL_PUBLISHING_H_

#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "model/status.h"

namespace spamguard::cli {

// The SHA-256 (FIPS 180-4) of `bytes`, as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view bytes);

// {path, bytes, sha256, fnv1a64} of a file, for manifests. An unreadable file reads as empty.
nlohmann::json FileFingerprint(const std::string& path);

// FileFingerprint of a model file written into a staging directory, with "path" its file name
// (kModelFileName, model/model_store.h): where the manifest beside it finds the model once
// Publish has renamed the staging directory, whose own path is gone by then.
nlohmann::json StagedModelFingerprint(const std::string& staged_model_path);

// The commit checked out in the working directory, or "unknown" outside a git checkout.
std::string GitRevision();

// Writes `text` to `path` with WriteFileAtomically (model/durable_files.h): a reader, or the
// disk after power loss, holds the old file or the whole new one, and on error no temporary
// is left. Errors: kIoError.
Status WriteText(const std::string& path, const std::string& text);

// Staging directories are `<store>/.staging-<12 random characters>`: hidden, so ListModels
// never shows one as a version, and unique, so concurrent or crashed runs (in any PID
// namespace) never share or delete each other's.
inline constexpr char kStagingPrefix[] = ".staging-";

// Creates a new, empty staging directory in `store` (model/durable_files.h
// CreateUniqueDirectory) and returns its path. Errors: kIoError.
Result<std::string> CreateStagingDirectory(const std::string& store);

// A staging directory that is removed on every way out of the command (Fail throws) until
// Release() hands it to Publish, which then owns it (and removes it if it fails).
class StagingGuard {
 public:
  StagingGuard() = default;
  explicit StagingGuard(std::string path) : path_(std::move(path)) {}
  StagingGuard(const StagingGuard&) = delete;
  StagingGuard& operator=(const StagingGuard&) = delete;
  ~StagingGuard();
  const std::string& path() const { return path_; }
  // Takes charge of `path` (the guard must hold none).
  void Guard(std::string path) { path_ = std::move(path); }
  std::string Release() { return std::exchange(path_, ""); }

 private:
  std::string path_;
};

// Writes metrics.json and manifest.json into `staging`, renames it to `<store>/<version>` and,
// if `switch_current`, points `current` at it. Errors: kFailedPrecondition when the version
// already exists, kIoError, or SetCurrent's. A failure before the rename removes `staging`;
// one after it (syncing the store, SetCurrent) leaves the complete version in the store,
// not current.
Status Publish(const std::string& store, const std::string& staging, const std::string& version,
               const nlohmann::json& metrics, const nlohmann::json& manifest, bool switch_current);

}  // namespace spamguard::cli

#endif  // SPAMGUARD_CLI_MODEL_PUBLISHING_H_
