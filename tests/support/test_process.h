// TestProcess: runs a real binary (spamguard-server, spamguardctl) from an integration
// test, with its stdout and stderr captured, and helpers to talk to a gRPC server it runs.
//
// Typical use:
//   const int port = spamguard::testing::FreeLoopbackPort();
//   const std::string address = "127.0.0.1:" + std::to_string(port);
//   spamguard::testing::TestProcess server(SPAMGUARD_SERVER_BIN,
//       {"--listen", address, "--data-dir", dir});
//   ASSERT_TRUE(server.WaitUntilServing(address)) << server.Stderr();
//   ... call it ...
//   server.Signal(SIGTERM);
//   EXPECT_EQ(server.WaitForExit(), 0);
//
//   RunResult r = RunProcess(SPAMGUARDCTL_BIN, {"feedback", "stats", "--data-dir", dir});
//   EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
//
// Timeouts are generous defaults for slow CI machines; tests never assert on durations.
// Thread safety: one TestProcess is used by one thread.
#ifndef SPAMGUARD_TESTS_SUPPORT_TEST_PROCESS_H_
#define SPAMGUARD_TESTS_SUPPORT_TEST_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace spamguard::testing {

using std::chrono_literals::operator""s;

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and released). Good
// enough for tests: nothing else on a test machine races for ephemeral ports.
int FreeLoopbackPort();

// A fresh empty directory under $TMPDIR (default /tmp), removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string File(const std::string& name) const;

 private:
  std::string path_;
};

// Health of a gRPC server's overall service ("") per grpc.health.v1.Health/Check.
enum class Health { kServing, kNotServing, kUnknown, kUnreachable };

// One Health/Check call with the given timeout; kUnreachable when the call failed.
Health CheckHealth(const std::string& address, std::chrono::milliseconds timeout = 2s);

// A grpc.health.v1.Health/Watch stream on the overall service (""): the server sends the
// current status, then every change, until the stream ends. Use it to observe a transition
// (SERVING -> NOT_SERVING at SIGTERM) that a later Check could no longer see.
class HealthWatch {
 public:
  explicit HealthWatch(const std::string& address);
  ~HealthWatch();  // cancels the stream
  HealthWatch(const HealthWatch&) = delete;
  HealthWatch& operator=(const HealthWatch&) = delete;
  // The next status the server sent, or kUnreachable when the stream ended or nothing
  // arrived within the timeout.
  Health Next(std::chrono::milliseconds timeout = 30s);

 private:
  struct Impl;
  Impl* impl_;
};

class TestProcess {
 public:
  // Starts binary with args (argv[0] is the binary). stdout and stderr go to files that
  // Stdout()/Stderr() read. Aborts the test binary if fork/exec setup fails.
  TestProcess(const std::string& binary, const std::vector<std::string>& args);
  // Kills the process with SIGKILL if it is still running, and reaps it.
  ~TestProcess();
  TestProcess(const TestProcess&) = delete;
  TestProcess& operator=(const TestProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Sends a signal; false if the process has already been reaped.
  bool Signal(int signal_number);
  // Polls health until SERVING (true), or until the timeout passes or the process exits
  // (false).
  bool WaitUntilServing(const std::string& address, std::chrono::milliseconds timeout = 60s);
  // Waits for the process to exit. Returns its exit code, 128 + N when killed by signal N,
  // or nullopt on timeout (the process keeps running).
  std::optional<int> WaitForExit(std::chrono::milliseconds timeout = 60s);
  // True until the process has exited (reaps it if it has).
  bool Running();
  // Everything the process wrote so far.
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  TempDir output_dir_;
};

struct RunResult {
  int exit_code = -1;  // as in WaitForExit; -1 when it timed out (and was killed)
  std::string stdout_text;
  std::string stderr_text;
};

// Runs binary with args to completion (killing it after timeout).
RunResult RunProcess(const std::string& binary, const std::vector<std::string>& args,
                     std::chrono::milliseconds timeout = 120s);

}  // namespace spamguard::testing

#endif  // SPAMGUARD_TESTS_SUPPORT_TEST_PROCESS_H_
