// spamguard-server: the gRPC service blog engines call. See docs/operations.md.
//
// Signals: SIGTERM/SIGINT turn health NOT_SERVING, serve on for the not-serving grace (a
// second SIGTERM/SIGINT ends it), drain and exit 0; SIGHUP reloads model and rules, also in
// the grace. They are blocked in every thread and taken by one thread with sigwait, so the
// work they trigger runs in normal code, not in a signal handler.
#include <signal.h>

#include <google/protobuf/stubs/logging.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <future>
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
  double not_serving_grace_seconds = 0;
  const CLI::Option* not_serving_grace_flag =
      app.add_option("--shutdown-not-serving-grace-seconds", not_serving_grace_seconds,
                     "at SIGTERM/SIGINT, serve on with health NOT_SERVING this long before "
                     "draining (default 0)");
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
  if (not_serving_grace_flag->count() > 0) {
    // Refused as CLI11 refuses the other flags' values, by the rules of the config key.
    if (auto status =
            spamguard::server::SetNotServingGraceSeconds(not_serving_grace_seconds, &config);
        !status.ok()) {
      return app.exit(CLI::ValidationError(not_serving_grace_flag->get_name(), status.message()));
    }
  }

  // Before any thread exists, so that every thread (gRPC's included) inherits the mask.
  const sigset_t signals = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = spamguard::server::SpamguardServer::Start(config);
  if (!server.ok()) {
    std::fprintf(stderr, "spamguard-server: %s\n", server.status().message().c_str());
    return 1;
  }
  spamguard::server::SpamguardServer* running = server->get();
  // The signal thread keeps taking signals while the main thread shuts down: a SIGHUP in the
  // grace reloads, a second SIGTERM/SIGINT ends the grace (its Shutdown() call does).
  std::promise<void> stop_requested;
  std::atomic<bool> stopped = false;  // set before the main thread wakes the signal thread
  std::thread signal_thread([running, signals, &stop_requested, &stopped] {
    bool stop_signalled = false;
    for (;;) {
      int signal_number = 0;
      if (sigwait(&signals, &signal_number) != 0) continue;
      if (stopped) return;
      if (signal_number == SIGHUP) {
        running->Reload();
        continue;
      }
      LogLine(std::string("received ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM"));
      if (!stop_signalled) {
        stop_signalled = true;
        stop_requested.set_value();
      } else {
        running->Shutdown();
      }
    }
  });
  stop_requested.get_future().wait();
  running->Shutdown();
  // The signal thread is in sigwait (or about to be): a signal sent to it alone wakes it.
  stopped = true;
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  server->reset();  // flushes the feedback store
  return 0;
}
