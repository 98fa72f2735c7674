#include "server/comment_filter_service.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "model/unix_time.h"
#include "server/comment_conversion.h"
#include "server/grpc_status.h"
#include "server/message_codec.h"
#include "server/random_id.h"

namespace spamguard::server {
namespace {

using spamguard::v1::CheckCommentRequest;
using spamguard::v1::CheckCommentResponse;

// Checked when a call arrives and again when a worker takes it: a call whose deadline
// passed, or whose client cancelled it or went away while it waited, is not worth
// classifying (gRPC reports the same to the client either way).
grpc::Status CallStillWanted(grpc::CallbackServerContext* context) {
  if (context->IsCancelled()) {
    return {grpc::StatusCode::CANCELLED, "the call was cancelled before it was served"};
  }
  if (context->deadline() <= std::chrono::system_clock::now()) {
    return {grpc::StatusCode::DEADLINE_EXCEEDED, "the call's deadline passed before it was served"};
  }
  return grpc::Status::OK;
}

grpc::Status OverloadStatus(const CheckQueue& queue, const std::string& prefix) {
  return {grpc::StatusCode::RESOURCE_EXHAUSTED,
          prefix + "the server is overloaded: " + std::to_string(queue.capacity()) +
              " checks are already waiting; retry with back-off"};
}

const grpc::Status kShuttingDown(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");

size_t DefaultWorkers() { return std::max(1u, std::thread::hardware_concurrency()); }

}  // namespace

CommentFilterService::CommentFilterService(ServingClassifier* classifier, FeedbackStore* feedback,
                                           RequestLimits limits, size_t queue_per_worker)
    : classifier_(classifier),
      feedback_(feedback),
      limits_(limits),
      queue_(DefaultWorkers(), queue_per_worker * DefaultWorkers()) {}

CheckCounts CommentFilterService::counts() const {
  auto at = [this](Verdict v) { return checks_by_verdict_[static_cast<int>(v)].load(); };
  return {at(Verdict::kHam), at(Verdict::kHold), at(Verdict::kSpam), at(Verdict::kDiscard)};
}

QueueCounts CommentFilterService::queue_counts() const {
  return {refused_overload_.load(), abandoned_in_queue_.load()};
}

Status CommentFilterService::Check(const CheckCommentRequest& request,
                                   CheckCommentResponse* response) {
  // Pin the generation for the whole call: a swap during it does not affect this request.
  const std::shared_ptr<const ClassifierGeneration> generation = classifier_->current();
  if (!generation) {
    return Status::Unavailable("no model is loaded; see the server log, then ReloadModel");
  }
  const int64_t now_ms = UnixNowMs();
  ClassifyOptions options;
  options.now_ms = now_ms;
  options.record_duplicate = !request.is_test() && request.recheck_reason().empty();
  const Assessment assessment = generation->classifier->Classify(ToComment(request), options);

  response->Clear();
  FillResponse(assessment, response);
  response->set_request_id(request.request_id());
  if (!request.is_test()) {
    const std::string check_id = RandomId("ck-");
    response->set_check_id(check_id);
    feedback_->RecordCheck(check_id, now_ms, request);
    ++checks_by_verdict_[static_cast<int>(assessment.verdict)];
  }
  return Status::Ok();
}

grpc::ServerUnaryReactor* CommentFilterService::CheckComment(grpc::CallbackServerContext* context,
                                                             const grpc::ByteBuffer* request_bytes,
                                                             grpc::ByteBuffer* response_bytes) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (shutting_down_) {
    reactor->Finish(kShuttingDown);
    return reactor;
  }
  if (grpc::Status wanted = CallStillWanted(context); !wanted.ok()) {
    reactor->Finish(wanted);
    return reactor;
  }
  auto request = std::make_shared<CheckCommentRequest>();
  Status valid = ParseMessage(*request_bytes, request.get());
  if (valid.ok()) valid = ValidateCheckRequest(*request, limits_);
  if (!valid.ok()) {
    reactor->Finish(ToGrpcStatus(valid));
    return reactor;
  }
  const bool queued = queue_.TrySubmit([this, context, reactor, request, response_bytes] {
    if (grpc::Status wanted = CallStillWanted(context); !wanted.ok()) {
      ++abandoned_in_queue_;
      reactor->Finish(wanted);
      return;
    }
    CheckCommentResponse response;
    const Status status = Check(*request, &response);
    if (status.ok()) SerializeMessage(response, response_bytes);
    reactor->Finish(ToGrpcStatus(status));
  });
  if (!queued) {
    ++refused_overload_;
    reactor->Finish(OverloadStatus(queue_, ""));
  }
  return reactor;
}

// One request in flight at a time: read, classify, write, and only after the write
// completes read the next. That is what keeps responses in request order.
class CommentFilterService::CheckStream final
    : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  CheckStream(CommentFilterService* service, grpc::CallbackServerContext* context)
      : service_(service), context_(context) {
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client half-closed: every request has been answered
      Finish(grpc::Status::OK);
      return;
    }
    if (service_->shutting_down_) {
      Finish(kShuttingDown);
      return;
    }
    if (grpc::Status wanted = CallStillWanted(context_); !wanted.ok()) {
      Finish(wanted);
      return;
    }
    Status valid = ParseMessage(in_, &request_);
    if (valid.ok()) valid = ValidateCheckRequest(request_, service_->limits_);
    if (!valid.ok()) {
      FinishWithError(valid);
      return;
    }
    // Nothing else touches the stream until the job writes or finishes it.
    if (!service_->queue_.TrySubmit([this] { Answer(); })) {
      ++service_->refused_overload_;
      Finish(OverloadStatus(service_->queue_, "request " + std::to_string(index_) + ": "));
    }
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
      return;
    }
    StartRead(&in_);
  }

  void OnDone() override { delete this; }

 private:
  // On a worker: classifies request_ and writes the answer, or ends the stream.
  void Answer() {
    if (grpc::Status wanted = CallStillWanted(context_); !wanted.ok()) {
      ++service_->abandoned_in_queue_;
      Finish(wanted);
      return;
    }
    CheckCommentResponse response;
    if (Status status = service_->Check(request_, &response); !status.ok()) {
      FinishWithError(status);
      return;
    }
    ++index_;
    SerializeMessage(response, &out_);
    StartWrite(&out_);
  }

  // A stream has no per-message error; the call ends, naming the failed request.
  void FinishWithError(const Status& status) {
    Finish(ToGrpcStatus(
        status.code() == Status::Code::kInvalidArgument
            ? Status::InvalidArgument("request " + std::to_string(index_) + ": " + status.message())
            : status));
  }

  CommentFilterService* const service_;
  grpc::CallbackServerContext* const context_;
  CheckCommentRequest request_;
  grpc::ByteBuffer in_;
  grpc::ByteBuffer out_;
  uint64_t index_ = 0;  // of the next request, from 0
};

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* CommentFilterService::CheckComments(
    grpc::CallbackServerContext* context) {
  return new CheckStream(this, context);
}

grpc::ServerUnaryReactor* CommentFilterService::SubmitFeedback(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response_bytes) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  spamguard::v1::SubmitFeedbackRequest request;
  Status status = ParseMessage(*request_bytes, &request);
  if (status.ok()) status = ValidateFeedbackRequest(request, limits_);
  if (status.ok() && shutting_down_) status = Status::Unavailable("the server is shutting down");
  if (!status.ok()) {
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }
  if (request.has_comment() && request.comment().is_test()) {
    // is_test stores nothing and counts nothing; the report is accepted as a no-op.
    SerializeMessage(spamguard::v1::SubmitFeedbackResponse(), response_bytes);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  FeedbackSubmission submission;
  submission.site_id = request.site_id();
  submission.check_id = request.check_id();
  if (request.has_comment()) submission.request = request.comment();
  submission.label =
      request.label() == spamguard::v1::LABEL_SPAM ? FeedbackLabel::kSpam : FeedbackLabel::kHam;
  submission.reporter = request.reporter();
  // Finish runs on the writer thread after the commit: the client hears OK only once the
  // report is on disk.
  feedback_->Submit(std::move(submission),
                    [reactor, response_bytes](Result<FeedbackOutcome> outcome) {
                      if (!outcome.ok()) {
                        reactor->Finish(ToGrpcStatus(outcome.status()));
                        return;
                      }
                      spamguard::v1::SubmitFeedbackResponse response;
                      response.set_feedback_id(outcome->feedback_id);
                      response.set_duplicate(outcome->duplicate);
                      SerializeMessage(response, response_bytes);
                      reactor->Finish(grpc::Status::OK);
                    });
  return reactor;
}

}  // namespace spamguard::server
