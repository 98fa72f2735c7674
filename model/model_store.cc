#include "model/model_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model/durable_files.h"
#include "model/spam_model.h"

namespace spamguard {
namespace {

namespace fs = std::filesystem;

nlohmann::json ReadJson(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return nlohmann::json();
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  return json.is_discarded() ? nlohmann::json() : json;
}

// A version name is one plain path component that does not start with '.' (no separators,
// not "." or "..", not a staging directory or temporary link), and not the `current` link.
bool IsValidVersionName(const std::string& version) {
  return !version.empty() && version.front() != '.' && version != kCurrentLinkName &&
         version.find('/') == std::string::npos && version.find('\0') == std::string::npos;
}

}  // namespace

Result<std::string> ResolveModelPath(const std::string& model_argument) {
  std::error_code error;
  const fs::path path(model_argument);
  const fs::file_status status = fs::status(path, error);
  if (error || !fs::exists(status)) {
    return Status::NotFound("no model file or model store at " + model_argument);
  }
  if (fs::is_regular_file(status)) return model_argument;
  if (fs::is_directory(status)) {
    const fs::path current = path / kCurrentLinkName / kModelFileName;
    if (fs::is_regular_file(current, error)) return current.string();
    // A version directory of a store (`models/<version>`) names its model file directly.
    const fs::path direct = path / kModelFileName;
    if (fs::is_regular_file(direct, error)) return direct.string();
    if (Result<std::string> version = CurrentVersion(model_argument); version.ok()) {
      return Status::NotFound((path / kCurrentLinkName).string() + " points at version '" +
                              *version + "', which has no " + kModelFileName +
                              " (removed?); make another version current with `spamguardctl "
                              "models rollback VERSION` or publish a new one");
    }
    return Status::NotFound(model_argument + " is a directory without " + kCurrentLinkName + "/" +
                            kModelFileName + " (no model published yet?)");
  }
  return Status::NotFound(model_argument + " is neither a model file nor a model store");
}

Result<std::string> ResolveModelVersion(const std::string& store_root, const std::string& version) {
  if (!IsValidVersionName(version)) {
    return Status::InvalidArgument("'" + version + "' is not a model version name");
  }
  const fs::path file = fs::path(store_root) / version / kModelFileName;
  std::error_code error;
  if (!fs::is_regular_file(file, error)) {
    return Status::NotFound("no model version '" + version + "' in " + store_root);
  }
  return file.string();
}

Result<std::vector<StoredModel>> ListModels(const std::string& store_root) {
  std::error_code error;
  if (!fs::is_directory(store_root, error)) {
    return Status::NotFound("model store " + store_root + " does not exist");
  }
  std::string current;
  if (Result<std::string> v = CurrentVersion(store_root); v.ok()) current = *v;

  std::vector<StoredModel> models;
  for (const fs::directory_entry& entry : fs::directory_iterator(store_root, error)) {
    const std::string name = entry.path().filename().string();
    if (!IsValidVersionName(name) || entry.is_symlink()) continue;
    if (!entry.is_directory() || !fs::is_regular_file(entry.path() / kModelFileName)) continue;
    StoredModel model;
    model.version = name;
    model.directory = entry.path().string();
    model.is_current = name == current;
    const nlohmann::json manifest = ReadJson(entry.path() / "manifest.json");
    if (manifest.is_object()) model.created_at = manifest.value("created_at", "");
    const nlohmann::json metrics = ReadJson(entry.path() / "metrics.json");
    if (metrics.is_object()) {
      // metrics.json holds the held-back figures when they exist, else the validation ones.
      const char* section = metrics.contains("held_back") ? "held_back" : "validation";
      if (auto s = metrics.find(section); s != metrics.end() && s->is_object()) {
        model.f1 = s->value("f1", 0.0);
        model.ham_false_positive_rate = s->value("ham_false_positive_rate", 0.0);
      }
    }
    models.push_back(std::move(model));
  }
  if (error) return Status::IoError("cannot list " + store_root + ": " + error.message());
  // Oldest first: by creation time, then by name (names start with a UTC timestamp).
  std::sort(models.begin(), models.end(), [](const StoredModel& a, const StoredModel& b) {
    if (a.created_at != b.created_at) return a.created_at < b.created_at;
    return a.version < b.version;
  });
  return models;
}

Status SetCurrent(const std::string& store_root, const std::string& version) {
  Result<std::string> file = ResolveModelVersion(store_root, version);
  if (!file.ok()) return file.status();
  // Refuse to point serving at a file the server would refuse.
  Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load(*file);
  if (!model.ok()) {
    return Status::FailedPrecondition("version '" + version +
                                      "' is not loadable: " + model.status().message());
  }
  // Atomic and synced: readers see the old or the new version, and power loss cannot undo the
  // switch or keep it while losing the version's files that were written just before.
  return ReplaceSymlinkAtomically((fs::path(store_root) / kCurrentLinkName).string(), version);
}

Result<std::string> CurrentVersion(const std::string& store_root) {
  const fs::path link = fs::path(store_root) / kCurrentLinkName;
  std::error_code error;
  if (!fs::is_symlink(link, error)) {
    return Status::NotFound("model store " + store_root + " has no current version");
  }
  const fs::path target = fs::read_symlink(link, error);
  if (error) return Status::IoError("cannot read " + link.string() + ": " + error.message());
  return target.filename().string();
}

}  // namespace spamguard
