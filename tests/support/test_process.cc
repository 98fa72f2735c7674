#include "tests/support/test_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <grpcpp/completion_queue.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace spamguard::testing {
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::perror(what.c_str());
  std::abort();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) Die("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) Die("bind");
  socklen_t length = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) Die("getsockname");
  close(fd);
  return ntohs(address.sin_port);
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/spamguard-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) Die("mkdtemp");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::File(const std::string& name) const { return path_ + "/" + name; }

static Health DecodeHealthResponse(const grpc::ByteBuffer& response) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (response.Dump(&slices).ok()) {
    for (const auto& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
  }
  int value = 0;  // absent field: UNKNOWN (0)
  if (bytes.size() >= 2 && bytes[0] == 0x08) value = static_cast<unsigned char>(bytes[1]);
  switch (value) {
    case 1:
      return Health::kServing;
    case 2:
      return Health::kNotServing;
    default:
      return Health::kUnknown;
  }
}

Health CheckHealth(const std::string& address, std::chrono::milliseconds timeout) {
  // grpc.health.v1 messages are tiny; encoded by hand so tests need no health proto:
  // HealthCheckRequest{service=""} is empty; HealthCheckResponse is field 1 (varint).
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  grpc::ByteBuffer request;
  {
    grpc::Slice empty;
    request = grpc::ByteBuffer(&empty, 1);
  }
  grpc::ByteBuffer response;
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard lock(mutex);
                   status = std::move(s);
                   done = true;
                   done_cv.notify_one();
                 });
  {
    std::unique_lock lock(mutex);
    done_cv.wait(lock, [&] { return done; });
  }
  if (!status.ok()) return Health::kUnreachable;
  return DecodeHealthResponse(response);
}

// A completion queue driven synchronously: each operation is started, then awaited.
struct HealthWatch::Impl {
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call;
  bool broken = false;

  // Waits for the one outstanding operation; false when it failed or timed out.
  bool Await(std::chrono::milliseconds timeout) {
    void* tag = nullptr;
    bool ok = false;
    const auto status = queue.AsyncNext(&tag, &ok, std::chrono::system_clock::now() + timeout);
    if (status != grpc::CompletionQueue::GOT_EVENT || !ok) {
      broken = true;
      return false;
    }
    return true;
  }
};

HealthWatch::HealthWatch(const std::string& address) : impl_(new Impl) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  impl_->call = stub.PrepareCall(&impl_->context, "/grpc.health.v1.Health/Watch", &impl_->queue);
  impl_->call->StartCall(impl_);
  if (!impl_->Await(30s)) return;
  grpc::Slice empty;
  grpc::ByteBuffer request(&empty, 1);
  impl_->call->Write(request, impl_);
  if (!impl_->Await(30s)) return;
  impl_->call->WritesDone(impl_);
  impl_->Await(30s);
}

HealthWatch::~HealthWatch() {
  impl_->context.TryCancel();
  impl_->queue.Shutdown();
  void* tag;
  bool ok;
  while (impl_->queue.Next(&tag, &ok)) {
  }
  delete impl_;
}

Health HealthWatch::Next(std::chrono::milliseconds timeout) {
  if (impl_->broken) return Health::kUnreachable;
  grpc::ByteBuffer response;
  impl_->call->Read(&response, impl_);
  if (!impl_->Await(timeout)) return Health::kUnreachable;
  return DecodeHealthResponse(response);
}

TestProcess::TestProcess(const std::string& binary, const std::vector<std::string>& args) {
  const std::string out_path = output_dir_.File("stdout");
  const std::string err_path = output_dir_.File("stderr");
  std::vector<std::string> argv_strings;
  argv_strings.push_back(binary);
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  pid_ = fork();
  if (pid_ < 0) Die("fork");
  if (pid_ == 0) {
    // Child: fresh signal mask (the test may block signals), output to files.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0) _exit(126);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    execv(argv[0], argv.data());
    std::fprintf(stderr, "exec %s failed\n", argv[0]);
    _exit(127);
  }
}

TestProcess::~TestProcess() {
  if (Running()) {
    kill(pid_, SIGKILL);
    WaitForExit(30s);
  }
}

bool TestProcess::Signal(int signal_number) {
  if (exit_code_) return false;
  return kill(pid_, signal_number) == 0;
}

bool TestProcess::Running() {
  if (exit_code_) return false;
  int status = 0;
  const pid_t reaped = waitpid(pid_, &status, WNOHANG);
  if (reaped == pid_) {
    exit_code_ = DecodeWaitStatus(status);
    return false;
  }
  return true;
}

std::optional<int> TestProcess::WaitForExit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return exit_code_;
}

bool TestProcess::WaitUntilServing(const std::string& address, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!Running()) return false;
    if (CheckHealth(address, std::chrono::milliseconds(1000)) == Health::kServing) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::string TestProcess::Stdout() const { return ReadFile(output_dir_.File("stdout")); }
std::string TestProcess::Stderr() const { return ReadFile(output_dir_.File("stderr")); }

RunResult RunProcess(const std::string& binary, const std::vector<std::string>& args,
                     std::chrono::milliseconds timeout) {
  TestProcess process(binary, args);
  RunResult result;
  const std::optional<int> code = process.WaitForExit(timeout);
  if (!code) {
    process.Signal(SIGKILL);
    process.WaitForExit(30s);
  }
  result.exit_code = code.value_or(-1);
  result.stdout_text = process.Stdout();
  result.stderr_text = process.Stderr();
  return result;
}

}  // namespace spamguard::testing
