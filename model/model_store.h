// ModelStore: the versioned directory of published models that the server serves from and
// `spamguardctl retrain/models` write to.
//
// Layout under the store root (default "models/"):
//   <version>/model.spgm      the SpamModel file
//   <version>/metrics.json    evaluation figures (validation split, replay)
//   <version>/manifest.json   data hashes, parameters, source revision, time
//   current -> <version>      symlink; switched atomically (new link + rename)
//   .<anything>               not a version: staging directories of runs in progress (or
//                             killed), temporary links; never listed, resolved or made current
//
// A `--model` argument is resolved by ResolveModelPath: a regular file is used as is; a
// directory that has `current` serves `current/model.spgm`; a directory without it is an
// error naming the path.
//
// Thread safety: the functions touch only the file system; Publish/SetCurrent are atomic
// with respect to readers (rename), not to each other.
#ifndef SPAMGUARD_MODEL_MODEL_STORE_H_
#define SPAMGUARD_MODEL_MODEL_STORE_H_

#include <string>
#include <vector>

#include "model/status.h"

namespace spamguard {

inline constexpr char kModelFileName[] = "model.spgm";
inline constexpr char kCurrentLinkName[] = "current";

// A file path, or a store directory (serves its current version), or, when store_root is a
// store, a version name inside it. Errors: kNotFound naming what was looked for.
Result<std::string> ResolveModelPath(const std::string& model_argument);
// Same, but a bare version name is looked up in the store (for ReloadModel(version)).
Result<std::string> ResolveModelVersion(const std::string& store_root, const std::string& version);

struct StoredModel {
  std::string version;
  std::string directory;
  bool is_current = false;
  std::string created_at;  // from manifest.json
  double f1 = 0;           // from metrics.json
  double ham_false_positive_rate = 0;
};

// Versions in the store, oldest first: directories holding model.spgm whose name is a
// version name (not `current`, not starting with '.').
Result<std::vector<StoredModel>> ListModels(const std::string& store_root);
// Points `current` at version (which must exist and hold a loadable model file), and syncs
// the store directory so the switch survives power loss. Errors: kInvalidArgument for a name
// that is not a version, kNotFound, kFailedPrecondition for an unloadable model, kIoError.
Status SetCurrent(const std::string& store_root, const std::string& version);
// The version `current` points at; kNotFound when there is none.
Result<std::string> CurrentVersion(const std::string& store_root);

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_MODEL_STORE_H_
