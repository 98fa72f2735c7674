// Durable files: writing a file so that a crash or power loss leaves either the old file or
// the whole new one.
//
// WriteFileAtomically writes a uniquely named temporary file beside the target, fsyncs it,
// renames it over the target and fsyncs the directory, so the new name survives power loss
// and never points at an empty or partial file. On any failure the temporary is removed and
// the target is untouched.
//
// Thread safety: the functions keep no state; any thread may call them at once.
#ifndef SPAMGUARD_MODEL_DURABLE_FILES_H_
#define SPAMGUARD_MODEL_DURABLE_FILES_H_

#include <sys/types.h>

#include <string>
#include <string_view>

#include "model/status.h"

namespace spamguard {

// Replaces `path` with `bytes` (see the file comment); a new file gets mode 0666 minus the
// umask. Errors: kIoError naming the step and the path.
Status WriteFileAtomically(const std::string& path, std::string_view bytes);

// fsync(2) of a directory, so renames and links made in it survive power loss.
// Errors: kIoError.
Status SyncDirectory(const std::string& directory);

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_DURABLE_FILES_H_
