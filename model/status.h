// Status and Result: how errors cross module boundaries in Spamguard.
//
// Library code never throws across a module boundary; it returns a Status (or a Result<T>,
// which holds either a value or a non-OK Status). The gRPC edge maps codes to grpc::Status.
// Both types are plain values: copyable, and safe to use from any thread.
#ifndef SPAMGUARD_MODEL_STATUS_H_
#define SPAMGUARD_MODEL_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace spamguard {

class Status {
 public:
  enum class Code {
    kOk,
    kInvalidArgument,     // the caller's input is wrong; the message says which part and why
    kNotFound,            // a named thing (file, version, check id) does not exist
    kIoError,             // reading or writing a file or database failed
    kCorruption,          // a file exists but its content is not what it must be
    kFailedPrecondition,  // the operation is not allowed in the current state
    kUnavailable,         // temporarily cannot serve (no model loaded, shutting down)
    kResourceExhausted,   // a bounded resource is used up (a store at its size cap, a full disk)
    kInternal,            // a bug or an unexpected library failure
  };

  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status IoError(std::string m) { return {Code::kIoError, std::move(m)}; }
  static Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {Code::kFailedPrecondition, std::move(m)};
  }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status ResourceExhausted(std::string m) {
    return {Code::kResourceExhausted, std::move(m)};
  }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // The same code with another message (an OK status stays OK).
  Status WithMessage(std::string message) const {
    return ok() ? Status() : Status(code_, std::move(message));
  }
  // "invalid argument: <message>", for logs and CLI output.
  std::string ToString() const;

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// Either a T or the Status explaining why there is none. Construct from a value or from a
// non-OK Status; value() must only be called when ok().
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "Result built from an OK status has no value");
    if (status_.ok()) status_ = Status::Internal("Result constructed from OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_STATUS_H_
