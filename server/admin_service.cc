#include "server/admin_service.h"

#include <chrono>

#include "model/rule_set.h"
#include "model/spam_model.h"
#include "model/unix_time.h"
#include "server/comment_conversion.h"
#include "server/grpc_status.h"
#include "server/message_codec.h"
#include "server/request_validation.h"

namespace spamguard::server {

AdminService::AdminService(ServingClassifier* classifier,
                           const CommentFilterService* comment_filter,
                           const FeedbackStore* feedback,
                           std::chrono::steady_clock::time_point started_at, bool allow_remote)
    : classifier_(classifier),
      comment_filter_(comment_filter),
      feedback_(feedback),
      started_at_(started_at),
      allow_remote_(allow_remote) {}

grpc::Status ReloadRefusal(const Status& load_status, bool serving) {
  switch (load_status.code()) {
    case Status::Code::kNotFound:
    case Status::Code::kInvalidArgument:
    case Status::Code::kUnavailable:
      return ToGrpcStatus(load_status);
    default:
      // A server that never loaded a model (a missing rule pack at start) stays NOT_SERVING.
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          (serving ? "reload refused, the previous model keeps serving: "
                                   : "reload refused; nothing is serving (no model has loaded "
                                     "since the server started), so the server stays "
                                     "NOT_SERVING: ") +
                              load_status.message());
  }
}

bool IsLoopbackPeer(const std::string& peer) {
  if (peer.empty() || peer.starts_with("unix:")) return true;
  if (peer.starts_with("ipv4:127.")) return true;
  for (const char* loopback :
       {"ipv6:[::1]:", "ipv6:%5B::1%5D:", "ipv6:[::ffff:127.", "ipv6:%5B::ffff:127."}) {
    if (peer.starts_with(loopback)) return true;
  }
  return false;
}

grpc::Status AdminService::CheckPeer(grpc::CallbackServerContext* context) const {
  const std::string peer = context->peer();
  if (allow_remote_ || IsLoopbackPeer(peer)) return grpc::Status::OK;
  return {grpc::StatusCode::PERMISSION_DENIED,
          "spamguard.v1.Admin answers loopback clients only (this call came from " + peer +
              "); set admin.allow_remote: true in the server config to allow others"};
}

grpc::ServerUnaryReactor* AdminService::GetStatus(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request_bytes,
                                                  grpc::ByteBuffer* response_bytes) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status denied = CheckPeer(context); !denied.ok()) {
    reactor->Finish(denied);
    return reactor;
  }
  spamguard::v1::GetStatusRequest request;
  if (Status parsed = ParseMessage(*request_bytes, &request); !parsed.ok()) {
    reactor->Finish(ToGrpcStatus(parsed));
    return reactor;
  }
  spamguard::v1::GetStatusResponse response;
  FillStatus(&response);
  SerializeMessage(response, response_bytes);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

void AdminService::FillStatus(spamguard::v1::GetStatusResponse* response) const {
  if (const auto generation = classifier_->current()) {
    const CommentClassifier& classifier = *generation->classifier;
    const ModelInfo& info = classifier.model()->info();
    response->set_model_version(info.version);
    response->set_model_path(generation->model_path);
    SetUnixMs(generation->loaded_at_ms, response->mutable_model_loaded_at());
    spamguard::v1::ModelMetrics* metrics = response->mutable_model_metrics();
    const spamguard::ModelMetrics& m = info.validation_metrics;
    metrics->set_precision(m.precision);
    metrics->set_recall(m.recall);
    metrics->set_f1(m.f1);
    metrics->set_mcc(m.mcc);
    metrics->set_ham_false_positive_rate(m.ham_false_positive_rate);
    metrics->set_roc_auc(m.roc_auc);
    metrics->set_calibration_error(m.calibration_error);
    if (classifier.rules()) {
      response->set_rules_version(classifier.rules()->version());
      response->set_rules_path(classifier.rules()->path());
      SetUnixMs(generation->loaded_at_ms, response->mutable_rules_loaded_at());
      response->set_rules_active(
          static_cast<uint32_t>(classifier.rules()->report().active_rules()));
    }
  } else {
    response->set_rules_path(classifier_->rules_path());
  }
  const auto uptime = std::chrono::steady_clock::now() - started_at_;
  response->set_uptime_seconds(
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(uptime).count()));
  const CheckCounts checks = comment_filter_->counts();
  response->set_checks_ham(checks.ham);
  response->set_checks_hold(checks.hold);
  response->set_checks_spam(checks.spam);
  response->set_checks_discard(checks.discard);
  const QueueCounts queue = comment_filter_->queue_counts();
  response->set_checks_refused_overload(queue.refused_overload);
  response->set_checks_abandoned_in_queue(queue.abandoned_in_queue);
  const LabelCounts feedback = feedback_->counts();
  response->set_feedback_spam(feedback.spam);
  response->set_feedback_ham(feedback.ham);
  response->set_check_records_dropped(feedback_->dropped_check_records());
}

grpc::ServerUnaryReactor* AdminService::ReloadModel(grpc::CallbackServerContext* context,
                                                    const grpc::ByteBuffer* request_bytes,
                                                    grpc::ByteBuffer* response_bytes) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status denied = CheckPeer(context); !denied.ok()) {
    reactor->Finish(denied);
    return reactor;
  }
  spamguard::v1::ReloadModelRequest request;
  if (Status parsed = ParseMessage(*request_bytes, &request); !parsed.ok()) {
    reactor->Finish(ToGrpcStatus(parsed));
    return reactor;
  }
  if (Status valid = ValidateReloadRequest(request, comment_filter_->limits()); !valid.ok()) {
    reactor->Finish(ToGrpcStatus(valid));
    return reactor;
  }
  ServingClassifier* const classifier = classifier_;
  classifier_->EnqueueReload(
      request.model_version(), [classifier, reactor, response_bytes](
                                   Result<std::shared_ptr<const ClassifierGeneration>> loaded) {
        if (!loaded.ok()) {
          reactor->Finish(ReloadRefusal(loaded.status(), classifier->current() != nullptr));
          return;
        }
        const CommentClassifier& classifier = *(*loaded)->classifier;
        spamguard::v1::ReloadModelResponse response;
        response.set_model_version(classifier.model()->info().version);
        if (classifier.rules()) response.set_rules_version(classifier.rules()->version());
        SerializeMessage(response, response_bytes);
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

}  // namespace spamguard::server
