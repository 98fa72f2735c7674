// AdminService: the spamguard.v1.Admin RPCs (operators only).
//
// Both RPCs answer loopback clients only (PERMISSION_DENIED otherwise) unless the server
// was configured to allow remote ones: ReloadModel reads any model file the server can.
//
// GetStatus answers from memory. ReloadModel queues the load on ServingClassifier's
// background thread and finishes the call from there, so no gRPC thread waits for a load.
// Like CommentFilterService, the methods take raw bytes and parse them with
// message_codec.h, so that a malformed request gets INVALID_ARGUMENT saying what is wrong
// (gRPC's own parser answers UNIMPLEMENTED with no message).
//
// Thread safety: called by gRPC from any thread; all members are thread-safe.
#ifndef SPAMGUARD_SERVER_ADMIN_SERVICE_H_
#define SPAMGUARD_SERVER_ADMIN_SERVICE_H_

#include <chrono>
#include <cstdint>

#include "model/status.h"
#include "server/comment_filter_service.h"
#include "server/feedback_store.h"
#include "server/serving_classifier.h"
#include "spamguard/v1/spamguard.grpc.pb.h"

namespace spamguard::server {

using AdminRawService = spamguard::v1::Admin::WithRawCallbackMethod_GetStatus<
    spamguard::v1::Admin::WithRawCallbackMethod_ReloadModel<spamguard::v1::Admin::Service>>;

class AdminService final : public AdminRawService {
 public:
  // The referenced objects must outlive the service. started_at: server start, on the
  // steady clock, so that uptime_seconds never goes backwards when the wall clock is stepped.
  AdminService(ServingClassifier* classifier, const CommentFilterService* comment_filter,
               const FeedbackStore* feedback, std::chrono::steady_clock::time_point started_at,
               bool allow_remote);

  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ReloadModel(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;

 private:
  // OK for an allowed peer; PERMISSION_DENIED naming the peer otherwise.
  grpc::Status CheckPeer(grpc::CallbackServerContext* context) const;
  void FillStatus(spamguard::v1::GetStatusResponse* response) const;

  ServingClassifier* const classifier_;
  const CommentFilterService* const comment_filter_;
  const FeedbackStore* const feedback_;
  const std::chrono::steady_clock::time_point started_at_;
  const bool allow_remote_;
};

// The answer to a ReloadModel whose load failed with `load_status`; `serving` says whether
// a model is serving (the failure changes nothing either way). NOT_FOUND (unknown version,
// missing path), INVALID_ARGUMENT (malformed version name) and UNAVAILABLE (the server is
// shutting down, so the load never ran) pass through; any file that exists but cannot be
// served (corrupt, wrong format, bad rule pack) is FAILED_PRECONDITION, saying what still
// serves.
grpc::Status ReloadRefusal(const Status& load_status, bool serving);

// Whether a gRPC peer string ("ipv4:127.0.0.1:5000", "ipv6:[::1]:5000", "unix:/run/x")
// is this machine. An empty peer (a call made in-process, not over a transport) counts.
bool IsLoopbackPeer(const std::string& peer);

}  // namespace spamguard::server

#endif  // SPAMGUARD_SERVER_ADMIN_SERVICE_H_
