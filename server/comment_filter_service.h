// CommentFilterService: the spamguard.v1.CommentFilter RPCs (what blog engines call).
//
// One comment's path: bytes -> ParseMessage -> ValidateCheckRequest -> ToComment ->
// CommentClassifier::Classify (on the generation serving when the call started) -> response;
// then, unless is_test, the check is counted and remembered for SubmitFeedback.
//
// The methods take raw byte buffers (see message_codec.h for why) but are otherwise the
// callback API: CheckComment and SubmitFeedback use DefaultReactor; CheckComments is a
// ServerBidiReactor that reads one request, answers it, and only then reads the next, so
// responses come in request order. Handlers never block: they parse and validate, and hand
// a valid check to a CheckQueue (check_queue.h), whose workers classify and finish the call.
// An invalid request gets INVALID_ARGUMENT from the handler, even when the queue is full,
// and takes no place in it. When the queue is full a valid call gets RESOURCE_EXHAUSTED at
// once, and a worker skips a call cancelled or past its deadline (both counted,
// queue_counts()). SubmitFeedback completes from the feedback store's writer thread after
// the commit. Once BeginShutdown() is called, calls that arrive get UNAVAILABLE; those
// already queued are still answered.
//
// Thread safety: called by gRPC from any thread; all members are thread-safe.
#ifndef SPAMGUARD_SERVER_COMMENT_FILTER_SERVICE_H_
#define SPAMGUARD_SERVER_COMMENT_FILTER_SERVICE_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "model/assessment.h"
#include "model/status.h"
#include "server/check_queue.h"
#include "server/feedback_store.h"
#include "server/request_validation.h"
#include "server/serving_classifier.h"
#include "spamguard/v1/spamguard.grpc.pb.h"

namespace spamguard::server {

// Checks answered since start, by verdict (is_test excluded).
struct CheckCounts {
  uint64_t ham = 0;
  uint64_t hold = 0;
  uint64_t spam = 0;
  uint64_t discard = 0;
};

// Checks the queue did not classify, since start. is_test requests included: they take a
// worker's time like any other. In CheckComments each request counts once.
struct QueueCounts {
  uint64_t refused_overload = 0;    // RESOURCE_EXHAUSTED: the queue was full
  uint64_t abandoned_in_queue = 0;  // cancelled or past its deadline when a worker took it
};

using CommentFilterRawService = spamguard::v1::CommentFilter::WithRawCallbackMethod_CheckComment<
    spamguard::v1::CommentFilter::WithRawCallbackMethod_CheckComments<
        spamguard::v1::CommentFilter::WithRawCallbackMethod_SubmitFeedback<
            spamguard::v1::CommentFilter::Service>>>;

class CommentFilterService final : public CommentFilterRawService {
 public:
  // The referenced objects must outlive the service (and the grpc::Server it is registered
  // with). One worker per core; at most `queue_per_worker` checks per worker wait.
  CommentFilterService(ServingClassifier* classifier, FeedbackStore* feedback, RequestLimits limits,
                       size_t queue_per_worker);

  grpc::ServerUnaryReactor* CheckComment(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* CheckComments(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* SubmitFeedback(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;

  // From now on new checks get UNAVAILABLE (the server is draining).
  void BeginShutdown() { shutting_down_ = true; }
  CheckCounts counts() const;
  // Raised before the call is finished: a client that saw the refusal sees it counted.
  QueueCounts queue_counts() const;
  // The configured request limits (AdminService applies the string limit too).
  const RequestLimits& limits() const { return limits_; }

 private:
  class CheckStream;

  // Classifies one request that passed ValidateCheckRequest (the handlers validate before
  // queueing), on a queue worker. Errors: kUnavailable (no model loaded).
  Status Check(const spamguard::v1::CheckCommentRequest& request,
               spamguard::v1::CheckCommentResponse* response);

  ServingClassifier* const classifier_;
  FeedbackStore* const feedback_;
  const RequestLimits limits_;
  std::atomic<bool> shutting_down_{false};
  std::array<std::atomic<uint64_t>, 5> checks_by_verdict_{};  // index: Verdict value
  std::atomic<uint64_t> refused_overload_{0};
  std::atomic<uint64_t> abandoned_in_queue_{0};
  // Last, so that it is destroyed first: its workers use the members above.
  CheckQueue queue_;
};

}  // namespace spamguard::server

#endif  // SPAMGUARD_SERVER_COMMENT_FILTER_SERVICE_H_
