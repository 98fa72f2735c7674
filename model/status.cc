#include "model/status.h"

namespace spamguard {

std::string Status::ToString() const {
  const char* name = "ok";
  switch (code_) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      name = "invalid argument";
      break;
    case Code::kNotFound:
      name = "not found";
      break;
    case Code::kIoError:
      name = "I/O error";
      break;
    case Code::kCorruption:
      name = "corruption";
      break;
    case Code::kFailedPrecondition:
      name = "failed precondition";
      break;
    case Code::kUnavailable:
      name = "unavailable";
      break;
    case Code::kResourceExhausted:
      name = "resource exhausted";
      break;
    case Code::kInternal:
      name = "internal error";
      break;
  }
  return std::string(name) + ": " + message_;
}

}  // namespace spamguard
