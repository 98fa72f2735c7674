// spamguard-server: the gRPC service blog engines call. See docs/operations.md.
//
// Signals: SIGTERM/SIGINT drain and exit 0; SIGHUP reloads model and rules. They are
// blocked in every thread and taken by one thread with sigwait, so the work they trigger
// runs in normal code, not in a signal handler.
#include <signal.h>

#include <google/protobuf/stubs/logging.h>

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdio>
#include <string>
#include <thread>

#include "server/server_config.h"
#include "server/server_log.h"
#include "server/spamguard_server.h"

namespace {

sigset_t HandledSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  return signals;
}

// protobuf's own log lines, in the server's log; except the one it writes for every request
// whose string field holds invalid UTF-8: the server answers that request with
// INVALID_ARGUMENT naming the field, and a client could flood the log with the line.
void ProtobufLog(google::protobuf::LogLevel level, const char* file, int line,
                 const std::string& message) {
  if (level < google::protobuf::LOGLEVEL_FATAL &&
      message.find("invalid UTF-8") != std::string::npos) {
    return;
  }
  spamguard::server::LogLine("protobuf: " + std::string(file) + ":" + std::to_string(line) + ": " +
                             message);
}

}  // namespace

int main(int argc, char** argv) {
  google::protobuf::SetLogHandler(ProtobufLog);
  using spamguard::server::LogLine;
  CLI::App app{"spamguard-server: comment spam filter (gRPC)"};
  spamguard::server::ServerConfig config;
  std::string config_file;
  std::string listen, model, rules, data_dir;
  app.add_option("--listen", listen, "HOST:PORT to listen on (default 127.0.0.1:50051)");
  app.add_option("--model", model,
                 "model file, or model store directory serving its `current` (default models)");
  app.add_option("--rules", rules, "rule pack file (default rules/default.yaml)");
  app.add_option("--data-dir", data_dir, "directory of the feedback store (default var)");
  app.add_option("--config", config_file, "YAML config file (see docs/operations.md)");
  size_t check_queue_per_worker = 0;  // 0: not given
  app.add_option("--check-queue-per-worker", check_queue_per_worker,
                 "checks that may wait per core before more are refused with "
                 "RESOURCE_EXHAUSTED (default 64)")
      ->check(CLI::Range(size_t{1}, spamguard::server::kMaxCheckQueuePerWorker));
  CLI11_PARSE(app, argc, argv);

  if (!config_file.empty()) {
    if (auto status = spamguard::server::LoadServerConfigFile(config_file, &config); !status.ok()) {
      std::fprintf(stderr, "spamguard-server: %s\n", status.message().c_str());
      return 2;
    }
  }
  // Flags win over the config file.
  if (!listen.empty()) config.listen = listen;
  if (!model.empty()) config.model = model;
  if (!rules.empty()) config.rules = rules;
  if (!data_dir.empty()) config.data_dir = data_dir;
  if (check_queue_per_worker != 0) config.check_queue_per_worker = check_queue_per_worker;

  // Before any thread exists, so that every thread (gRPC's included) inherits the mask.
  const sigset_t signals = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = spamguard::server::SpamguardServer::Start(config);
  if (!server.ok()) {
    std::fprintf(stderr, "spamguard-server: %s\n", server.status().message().c_str());
    return 1;
  }
  spamguard::server::SpamguardServer* running = server->get();
  std::thread signal_thread([running, signals] {
    for (;;) {
      int signal_number = 0;
      if (sigwait(&signals, &signal_number) != 0) continue;
      if (signal_number == SIGHUP) {
        running->Reload();
        continue;
      }
      LogLine(std::string("received ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM"));
      running->Shutdown();
      return;
    }
  });
  running->Wait();
  signal_thread.join();
  server->reset();  // flushes the feedback store
  return 0;
}
