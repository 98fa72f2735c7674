// Durable files: writing a file so that a crash or power loss leaves either the old file or
// the whole new one, and creating scratch directories whose names no other run can predict
// or share.
//
// WriteFileAtomically writes a uniquely named temporary file beside the target, fsyncs it,
// renames it over the target and fsyncs the directory, so the new name survives power loss
// and never points at an empty or partial file. On any failure the temporary is removed and
// the target is untouched.
//
// ReplaceSymlinkAtomically does the same for a symbolic link: readers see the old target or
// the new one, never a missing link.
//
// CreateUniqueDirectory is mkdtemp(3) with a mode: mkdir(2) of `<parent>/<prefix>XXXXXXXXXXXX`
// with random characters, retried on a clash, so it never reuses, empties or follows an
// existing path (safe in a shared, world-writable /tmp and across PID namespaces).
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

// Points the symbolic link `link_path` at `target` (stored as given, so a relative target
// stays relative): a uniquely named temporary link beside it, renamed over it, then the
// directory fsynced. Errors: kIoError naming the step and the path; the temporary is removed.
Status ReplaceSymlinkAtomically(const std::string& link_path, const std::string& target);

// fsync(2) of a directory, so renames and links made in it survive power loss.
// Errors: kIoError.
Status SyncDirectory(const std::string& directory);

// Creates a new directory `<parent>/<prefix><12 random characters>` with `mode` (minus the
// umask) and returns its path. Errors: kIoError (parent missing, not writable, ...).
Result<std::string> CreateUniqueDirectory(const std::string& parent, const std::string& prefix,
                                          mode_t mode);

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_DURABLE_FILES_H_
