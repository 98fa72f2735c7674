// SpamguardServer: the assembled service — feedback store, serving classifier, the two
// gRPC services, health and reflection — and its life cycle.
//
// Start() brings everything up; the gRPC port answers from then on, with health NOT_SERVING
// until a model is loaded (requests get UNAVAILABLE meanwhile). A model that fails to load
// at start is logged; the server keeps running so that ReloadModel, SIGHUP or a publish to
// the model store can fix it.
//
// Thread safety: Reload() and Shutdown() may be called from any thread (the signal thread),
// also at the same time.
#ifndef SPAMGUARD_SERVER_SPAMGUARD_SERVER_H_
#define SPAMGUARD_SERVER_SPAMGUARD_SERVER_H_

#include <grpcpp/server.h>

#include <condition_variable>
#include <memory>
#include <mutex>

#include "model/status.h"
#include "server/admin_service.h"
#include "server/comment_filter_service.h"
#include "server/feedback_store.h"
#include "server/server_config.h"
#include "server/serving_classifier.h"

namespace spamguard::server {

class SpamguardServer {
 public:
  // Errors: the text pipeline cannot be built, the feedback store cannot be opened, or the
  // address cannot be bound (kUnavailable naming the address).
  static Result<std::unique_ptr<SpamguardServer>> Start(const ServerConfig& config);
  // Shuts down (if not yet) without the not-serving grace, ending one in progress; then
  // flushes the feedback store.
  ~SpamguardServer();

  // Reloads the configured model and rules in the background (SIGHUP).
  void Reload();
  // Health NOT_SERVING (pinned: a reload finishing later cannot turn it back); then, for the
  // not-serving grace, every call is served as usual, so that load balancers probing health
  // take the server out of rotation; then the drain: new checks get UNAVAILABLE, so do
  // reloads still queued (they never run; a load already running finishes), in-flight
  // calls may finish until the drain deadline, then the rest are cancelled. Returns once the
  // gRPC server has stopped. A call while another one is in the grace ends the grace at once
  // (a second SIGTERM); any later call only waits until the server has stopped.
  void Shutdown();

 private:
  SpamguardServer() = default;

  ServerConfig config_;
  std::unique_ptr<FeedbackStore> feedback_;
  std::unique_ptr<ServingClassifier> classifier_;
  std::unique_ptr<CommentFilterService> comment_filter_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<grpc::Server> server_;
  enum class ShutdownPhase { kServing, kGrace, kDraining, kStopped };
  std::mutex shutdown_mutex_;
  // Signalled when the grace is cut short and when the server has stopped.
  std::condition_variable shutdown_changed_;
  ShutdownPhase shutdown_phase_ = ShutdownPhase::kServing;  // guarded by shutdown_mutex_
  bool grace_cut_short_ = false;                            // guarded by shutdown_mutex_
};

}  // namespace spamguard::server

#endif  // SPAMGUARD_SERVER_SPAMGUARD_SERVER_H_
