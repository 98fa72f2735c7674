// The one mapping from Spamguard's Status to grpc::Status, used at the RPC edge only.
#ifndef SPAMGUARD_SERVER_GRPC_STATUS_H_
#define SPAMGUARD_SERVER_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "model/status.h"

namespace spamguard::server {

// kInvalidArgument -> INVALID_ARGUMENT, kNotFound -> NOT_FOUND, kUnavailable -> UNAVAILABLE,
// kResourceExhausted -> RESOURCE_EXHAUSTED, kFailedPrecondition and kCorruption ->
// FAILED_PRECONDITION, kIoError and kInternal -> INTERNAL. The message is passed through
// unchanged.
grpc::Status ToGrpcStatus(const Status& status);

}  // namespace spamguard::server

#endif  // SPAMGUARD_SERVER_GRPC_STATUS_H_
