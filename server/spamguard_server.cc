#include "server/spamguard_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <chrono>
#include <string>

#include "model/comment_classifier.h"
#include "server/server_log.h"

namespace spamguard::server {
namespace {

int ToInt(int64_t value) {
  return static_cast<int>(std::min<int64_t>(value, std::numeric_limits<int>::max()));
}

// The HOST of "HOST:PORT" ("[::1]" stays bracketed) and whether PORT is a number gRPC binds
// as given: gRPC reads 99999 or 65536 as "any free port", and the log then named a port the
// server was not on. 0 asks for a free port on purpose.
bool SplitListenAddress(const std::string& listen, std::string& host) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    return false;
  }
  host = listen.substr(0, colon);
  return true;
}

}  // namespace

Result<std::unique_ptr<SpamguardServer>> SpamguardServer::Start(const ServerConfig& config) {
  const auto started_at = std::chrono::steady_clock::now();
  std::string listen_host;
  if (!SplitListenAddress(config.listen, listen_host)) {
    return Status::InvalidArgument("cannot listen on " + config.listen +
                                   ": not HOST:PORT with a port from 0 to 65535 (0 picks a "
                                   "free port)");
  }
  std::unique_ptr<SpamguardServer> self(new SpamguardServer());
  self->config_ = config;

  FeedbackStoreOptions store_options;
  store_options.data_dir = config.data_dir;
  store_options.check_retention_ms = config.check_retention_ms;
  store_options.check_max_records = config.check_max_records;
  store_options.check_max_bytes = config.check_max_bytes;
  store_options.check_max_pending = config.check_max_queued;
  store_options.check_max_pending_bytes = config.check_max_queued_bytes;
  store_options.max_database_bytes = config.feedback_store_max_bytes;
  store_options.report_max_pending = config.feedback_max_queued_reports;
  store_options.report_max_pending_bytes = config.feedback_max_queued_bytes;
  Result<std::unique_ptr<FeedbackStore>> feedback = FeedbackStore::Open(store_options);
  if (!feedback.ok()) return feedback.status();
  self->feedback_ = std::move(feedback).value();

  // Built once: the normalizer and extractor are the expensive, model-independent part.
  Result<std::shared_ptr<const TextPipeline>> pipeline = TextPipeline::Create();
  if (!pipeline.ok()) return pipeline.status();
  // One window for all generations, so a reload does not forget recent duplicates.
  auto duplicates = std::make_shared<DuplicateWindow>(config.duplicate_retention_ms,
                                                      config.duplicate_max_entries);

  // Health follows "a model is loaded"; the callback may run before server_ exists (never:
  // the first load happens after BuildAndStart below) and after health shutdown, when the
  // default service ignores it.
  SpamguardServer* raw = self.get();
  self->classifier_ = std::make_unique<ServingClassifier>(
      std::move(pipeline).value(), std::move(duplicates), config.model, config.rules,
      [raw](bool serving) {
        if (raw->server_ && raw->server_->GetHealthCheckService()) {
          raw->server_->GetHealthCheckService()->SetServingStatus(serving);
        }
      });
  self->comment_filter_ = std::make_unique<CommentFilterService>(
      self->classifier_.get(), self->feedback_.get(), config.limits, config.check_queue_per_worker);
  self->admin_ =
      std::make_unique<AdminService>(self->classifier_.get(), self->comment_filter_.get(),
                                     self->feedback_.get(), started_at, config.admin_allow_remote);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(self->comment_filter_.get());
  builder.RegisterService(self->admin_.get());
  const int max_message = static_cast<int>(config.limits.max_message_bytes);
  builder.SetMaxReceiveMessageSize(max_message);
  builder.SetMaxSendMessageSize(max_message);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, ToInt(config.keepalive_time_ms));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, ToInt(config.keepalive_timeout_ms));
  // Clients may ping idle connections (to keep them through NATs) at most every 10 s.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, ToInt(config.max_connection_age_ms));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             ToInt(config.max_connection_age_grace_ms));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, config.max_concurrent_streams);
  // gRPC sets SO_REUSEPORT by default: a second server started on a port already served would
  // silently take half its connections (perhaps with another model and rules) instead of
  // failing to start.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  self->server_ = builder.BuildAndStart();
  if (!self->server_ || port == 0) {
    return Status::Unavailable("cannot listen on " + config.listen +
                               " (address in use or not a HOST:PORT)");
  }
  self->server_->GetHealthCheckService()->SetServingStatus(false);
  // The bound port: the one asked for, or the free one gRPC picked for port 0.
  LogLine("listening on " + listen_host + ":" + std::to_string(port) + " (feedback store " +
          self->feedback_->path() + ")");

  if (auto loaded = self->classifier_->LoadNow(""); !loaded.ok()) {
    // The model and the rule pack load together; either can be what failed.
    LogLine("model and rules not loaded, serving NOT_SERVING until a reload succeeds: " +
            loaded.status().message());
  }
  self->classifier_->StartBackground(config.model_watch_interval_ms);
  return self;
}

SpamguardServer::~SpamguardServer() {
  {
    // No one is left to serve for: no grace, and a Shutdown() in its grace ends it.
    std::lock_guard lock(shutdown_mutex_);
    grace_cut_short_ = true;
    shutdown_changed_.notify_all();
  }
  Shutdown();
  // Order matters: the gRPC server is stopped (no handler runs any more); then the
  // classifier's background thread; then the store flushes what is still queued.
  classifier_.reset();
  feedback_.reset();
}

void SpamguardServer::Reload() {
  LogLine("reloading model and rules");
  classifier_->EnqueueReload("", nullptr);
}

void SpamguardServer::Shutdown() {
  std::unique_lock lock(shutdown_mutex_);
  if (!server_) return;
  if (shutdown_phase_ != ShutdownPhase::kServing) {
    // Another call is shutting down, and this one (a second signal's, or the destructor's)
    // ends its grace, then returns only once the server has stopped, so that a destructor
    // waiting here does not free what the other call still uses.
    grace_cut_short_ = true;
    shutdown_changed_.notify_all();
    shutdown_changed_.wait(lock, [this] { return shutdown_phase_ == ShutdownPhase::kStopped; });
    return;
  }
  shutdown_phase_ = ShutdownPhase::kGrace;
  // Health first, so that load balancers stop sending before anything is refused. The
  // default health service's Shutdown() pins NOT_SERVING: a reload finishing now (SIGHUP and
  // the model store watch still work in the grace) cannot undo it.
  server_->GetHealthCheckService()->Shutdown();
  if (config_.not_serving_grace_ms > 0 && !grace_cut_short_) {
    LogLine("shutting down: health NOT_SERVING; still serving for a grace of " +
            std::to_string(config_.not_serving_grace_ms) +
            " ms (a second SIGTERM or SIGINT ends it)");
    // Waits with the mutex released, so that a second Shutdown() can end the grace.
    const bool cut_short =
        shutdown_changed_.wait_for(lock, std::chrono::milliseconds(config_.not_serving_grace_ms),
                                   [this] { return grace_cut_short_; });
    LogLine(cut_short ? "grace ended early: shutdown requested again" : "grace over");
  } else {
    LogLine("shutting down: health NOT_SERVING");
  }
  shutdown_phase_ = ShutdownPhase::kDraining;
  lock.unlock();
  comment_filter_->BeginShutdown();
  // Before server_->Shutdown(), which waits for every call: queued ReloadModel calls are
  // answered UNAVAILABLE now instead of each being loaded during the drain.
  classifier_->BeginShutdown();
  LogLine("draining: new calls are refused; in-flight calls have at most " +
          std::to_string(config_.drain_deadline_ms) + " ms");
  server_->Shutdown(std::chrono::system_clock::now() +
                    std::chrono::milliseconds(config_.drain_deadline_ms));
  LogLine("stopped");
  lock.lock();
  shutdown_phase_ = ShutdownPhase::kStopped;
  shutdown_changed_.notify_all();
}

}  // namespace spamguard::server
