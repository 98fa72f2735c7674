// SpamguardServer: the assembled service — feedback store, serving classifier, the two
// gRPC services, health and reflection — and its life cycle.
//
// Start() brings everything up; the gRPC port answers from then on, with health NOT_SERVING
// until a model is loaded (requests get UNAVAILABLE meanwhile). A model that fails to load
// at start is logged; the server keeps running so that ReloadModel, SIGHUP or a publish to
// the model store can fix it.
//
// Thread safety: Reload() and Shutdown() may be called from any thread (the signal thread);
// Wait() from one thread.
#ifndef SPAMGUARD_SERVER_SPAMGUARD_SERVER_H_
#define SPAMGUARD_SERVER_SPAMGUARD_SERVER_H_

#include <grpcpp/server.h>

#include <memory>

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
  // Shuts down (if not yet) and flushes the feedback store.
  ~SpamguardServer();

  // Reloads the configured model and rules in the background (SIGHUP).
  void Reload();
  // Health NOT_SERVING, refuse new checks, let in-flight calls finish until the drain
  // deadline, then cancel the rest. Returns once the gRPC server has stopped. Idempotent.
  void Shutdown();
  // Blocks until Shutdown() has stopped the gRPC server.
  void Wait();

 private:
  SpamguardServer() = default;

  ServerConfig config_;
  std::unique_ptr<FeedbackStore> feedback_;
  std::unique_ptr<ServingClassifier> classifier_;
  std::unique_ptr<CommentFilterService> comment_filter_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<grpc::Server> server_;
  std::mutex shutdown_mutex_;
  bool shut_down_ = false;  // guarded by shutdown_mutex_
};

}  // namespace spamguard::server

#endif  // SPAMGUARD_SERVER_SPAMGUARD_SERVER_H_
