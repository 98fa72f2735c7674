// Durable writes and unique scratch directories (model/durable_files.h).
#include "model/durable_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

namespace spamguard {
namespace {

namespace fs = std::filesystem;

// Attempts before giving up on finding an unused name; a clash of 12 random characters
// means someone is guessing, not chance.
constexpr int kNameAttempts = 100;

std::string RandomSuffix() {
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 generator{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string suffix(12, 'x');
  for (char& c : suffix) c = kAlphabet[pick(generator)];
  return suffix;
}

Status ErrnoStatus(const std::string& what, int error) {
  return Status::IoError(what + ": " + std::strerror(error));
}

std::string DirectoryOf(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("failed writing " + path, errno);
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return Status::Ok();
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  std::string temporary;
  int fd = -1;
  for (int attempt = 0; attempt < kNameAttempts && fd < 0; ++attempt) {
    temporary = path + ".tmp-" + RandomSuffix();
    fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) return ErrnoStatus("cannot write " + temporary, errno);
  }
  if (fd < 0) return Status::IoError("cannot find an unused temporary name beside " + path);

  Status status = WriteAll(fd, bytes, temporary);
  if (status.ok() && ::fsync(fd) != 0) status = ErrnoStatus("cannot sync " + temporary, errno);
  if (::close(fd) != 0 && status.ok()) status = ErrnoStatus("failed closing " + temporary, errno);
  if (status.ok() && std::rename(temporary.c_str(), path.c_str()) != 0) {
    status = ErrnoStatus("cannot rename " + temporary + " to " + path, errno);
  }
  if (!status.ok()) {
    ::unlink(temporary.c_str());
    return status;
  }
  return SyncDirectory(DirectoryOf(path));
}

Status ReplaceSymlinkAtomically(const std::string& link_path, const std::string& target) {
  const fs::path link(link_path);
  // Built by appending: GCC 12 at -O3 (CMAKE_BUILD_TYPE=Release) reports a false
  // -Wrestrict overlap for "." + std::string, which -Werror made a build failure.
  std::string hidden_name = ".";
  hidden_name += link.filename().string();
  hidden_name += ".tmp-";
  const std::string hidden_prefix = (link.parent_path() / hidden_name).string();
  std::string temporary;
  bool created = false;
  for (int attempt = 0; attempt < kNameAttempts && !created; ++attempt) {
    temporary = hidden_prefix + RandomSuffix();
    created = ::symlink(target.c_str(), temporary.c_str()) == 0;
    if (!created && errno != EEXIST) return ErrnoStatus("cannot create link " + temporary, errno);
  }
  if (!created) return Status::IoError("cannot find an unused temporary name beside " + link_path);
  if (std::rename(temporary.c_str(), link_path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temporary.c_str());
    return ErrnoStatus("cannot switch " + link_path, saved);
  }
  return SyncDirectory(DirectoryOf(link_path));
}

Status SyncDirectory(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open directory " + directory + " to sync it", errno);
  Status status;
  if (::fsync(fd) != 0) status = ErrnoStatus("cannot sync directory " + directory, errno);
  ::close(fd);
  return status;
}

Result<std::string> CreateUniqueDirectory(const std::string& parent, const std::string& prefix,
                                          mode_t mode) {
  for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
    const std::string path = (fs::path(parent) / (prefix + RandomSuffix())).string();
    if (::mkdir(path.c_str(), mode) == 0) return path;
    if (errno != EEXIST) return ErrnoStatus("cannot create directory " + path, errno);
  }
  return Status::IoError("cannot find an unused directory name in " + parent);
}

}  // namespace spamguard
