#include "model/durable_files.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

// fsync(2) as this test binary sees it: the library code linked into the binary calls this
// definition, which records the path of every synced descriptor and can fail on request,
// then calls the C library's fsync.
std::mutex sync_mutex;
std::vector<std::string> synced_paths;
std::string fail_sync_of;  // a path whose fsync fails with EIO

std::string PathOf(int fd) {
  char target[PATH_MAX] = {};
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t size = ::readlink(link.c_str(), target, sizeof(target) - 1);
  return size > 0 ? std::string(target, static_cast<size_t>(size)) : "";
}

}  // namespace

extern "C" int fsync(int fd) {
  const std::string path = PathOf(fd);
  {
    std::lock_guard<std::mutex> lock(sync_mutex);
    synced_paths.push_back(path);
    if (!fail_sync_of.empty() && path.rfind(fail_sync_of, 0) == 0) {
      errno = EIO;
      return -1;
    }
  }
  using Fsync = int (*)(int);
  static const Fsync real = reinterpret_cast<Fsync>(::dlsym(RTLD_NEXT, "fsync"));
  return real(fd);
}

namespace spamguard {

// Exposed to the other suites of this binary (model_store_test.cc, spam_model_test.cc).
std::vector<std::string> TakeSyncedPaths() {
  std::lock_guard<std::mutex> lock(sync_mutex);
  return std::exchange(synced_paths, {});
}
void FailSyncOf(const std::string& path_prefix) {
  std::lock_guard<std::mutex> lock(sync_mutex);
  fail_sync_of = path_prefix;
}

namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Names(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory))
    names.push_back(entry.path().filename().string());
  return names;
}

class DurableFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::weakly_canonical(fs::temp_directory_path() /
                                      ("durable_files_test_" + std::to_string(::getpid())));
    fs::create_directories(directory_);
    TakeSyncedPaths();
  }
  void TearDown() override {
    FailSyncOf("");
    fs::remove_all(directory_);
  }
  fs::path directory_;
};

TEST_F(DurableFilesTest, WriteFileAtomicallySyncsTheFileBeforeTheRenameAndThenTheDirectory) {
  const fs::path target = directory_ / "out.txt";
  ASSERT_TRUE(WriteFileAtomically(target.string(), "hello").ok());
  EXPECT_EQ(ReadFile(target), "hello");
  const std::vector<std::string> synced = TakeSyncedPaths();
  ASSERT_EQ(synced.size(), 2u);
  EXPECT_EQ(synced[0].rfind(target.string() + ".tmp-", 0), 0u) << synced[0];  // not yet renamed
  EXPECT_EQ(synced[1], directory_.string());
  EXPECT_EQ(Names(directory_), std::vector<std::string>{"out.txt"});
}

TEST_F(DurableFilesTest, AFailedSyncLeavesTheOldFileAndNoTemporary) {
  const fs::path target = directory_ / "out.txt";
  std::ofstream(target) << "old";
  FailSyncOf(target.string() + ".tmp-");
  const Status status = WriteFileAtomically(target.string(), "new");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), Status::Code::kIoError);
  EXPECT_NE(status.message().find("sync"), std::string::npos) << status.ToString();
  EXPECT_EQ(ReadFile(target), "old");
  EXPECT_EQ(Names(directory_), std::vector<std::string>{"out.txt"});
}

TEST_F(DurableFilesTest, AFailedRenameLeavesNoTemporary) {
  const fs::path target = directory_ / "a-directory";
  fs::create_directories(target / "inside");  // rename(2) of a file over a non-empty dir fails
  const Status status = WriteFileAtomically(target.string(), "bytes");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("cannot rename"), std::string::npos) << status.ToString();
  EXPECT_EQ(Names(directory_), std::vector<std::string>{"a-directory"});
}

TEST_F(DurableFilesTest, AFailedDirectorySyncIsAnError) {
  FailSyncOf(directory_.string());
  EXPECT_EQ(SyncDirectory(directory_.string()).code(), Status::Code::kIoError);
  EXPECT_EQ(SyncDirectory((directory_ / "absent").string()).code(), Status::Code::kIoError);
}

TEST_F(DurableFilesTest, ReplaceSymlinkAtomicallyRepointsALinkAndSyncsTheDirectory) {
  const fs::path link = directory_ / "current";
  ASSERT_TRUE(ReplaceSymlinkAtomically(link.string(), "v1").ok());
  EXPECT_EQ(fs::read_symlink(link).string(), "v1");
  TakeSyncedPaths();
  ASSERT_TRUE(ReplaceSymlinkAtomically(link.string(), "v2").ok());
  EXPECT_EQ(fs::read_symlink(link).string(), "v2");  // relative, as given
  EXPECT_EQ(TakeSyncedPaths(), std::vector<std::string>{directory_.string()});
  EXPECT_EQ(Names(directory_), std::vector<std::string>{"current"});
}

TEST_F(DurableFilesTest, ReplaceSymlinkAtomicallyLeavesNoTemporaryWhenTheSwitchFails) {
  const fs::path target = directory_ / "a-directory";
  fs::create_directories(target / "inside");  // rename(2) of a link over a directory fails
  const Status status = ReplaceSymlinkAtomically(target.string(), "v1");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), Status::Code::kIoError);
  EXPECT_NE(status.message().find("cannot switch"), std::string::npos) << status.ToString();
  EXPECT_EQ(Names(directory_), std::vector<std::string>{"a-directory"});
  EXPECT_EQ(ReplaceSymlinkAtomically((directory_ / "absent" / "link").string(), "v1").code(),
            Status::Code::kIoError);
}

TEST_F(DurableFilesTest, UniqueDirectoriesAreNewUnpredictableAndNeverReused) {
  std::set<std::string> made;
  for (int i = 0; i < 20; ++i) {
    Result<std::string> path = CreateUniqueDirectory(directory_.string(), ".staging-", 0700);
    ASSERT_TRUE(path.ok()) << path.status().ToString();
    EXPECT_EQ(fs::path(*path).parent_path(), directory_);
    EXPECT_EQ(fs::path(*path).filename().string().rfind(".staging-", 0), 0u);
    EXPECT_EQ(fs::path(*path).filename().string().size(), std::string(".staging-").size() + 12);
    EXPECT_NE(fs::path(*path).filename().string(), ".staging-" + std::to_string(::getpid()));
    EXPECT_TRUE(fs::is_directory(*path));
    EXPECT_TRUE(fs::is_empty(*path));
    made.insert(*path);
  }
  EXPECT_EQ(made.size(), 20u);
}

TEST_F(DurableFilesTest, AUniqueDirectoryInAMissingParentIsAnIoError) {
  Result<std::string> path = CreateUniqueDirectory((directory_ / "absent").string(), "x-", 0700);
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), Status::Code::kIoError);
  EXPECT_NE(path.status().message().find("absent"), std::string::npos);
}

}  // namespace
}  // namespace spamguard
