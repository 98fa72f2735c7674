#include "server/grpc_status.h"

namespace spamguard::server {

grpc::Status ToGrpcStatus(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk:
      return grpc::Status::OK;
    case Status::Code::kInvalidArgument:
      return {grpc::StatusCode::INVALID_ARGUMENT, status.message()};
    case Status::Code::kNotFound:
      return {grpc::StatusCode::NOT_FOUND, status.message()};
    case Status::Code::kUnavailable:
      return {grpc::StatusCode::UNAVAILABLE, status.message()};
    case Status::Code::kResourceExhausted:
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, status.message()};
    case Status::Code::kFailedPrecondition:
    case Status::Code::kCorruption:
      return {grpc::StatusCode::FAILED_PRECONDITION, status.message()};
    case Status::Code::kIoError:
    case Status::Code::kInternal:
      break;
  }
  return {grpc::StatusCode::INTERNAL, status.message()};
}

}  // namespace spamguard::server
