// ServerConfig: everything spamguard-server can be told, with its defaults. Command-line
// flags (--listen, --model, --rules, --data-dir, --check-queue-per-worker,
// --shutdown-not-serving-grace-seconds) override the config file (--config), which overrides
// the defaults. docs/operations.md is the reference for the file.
#ifndef SPAMGUARD_SERVER_SERVER_CONFIG_H_
#define SPAMGUARD_SERVER_SERVER_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "model/status.h"
#include "server/request_validation.h"

namespace spamguard::server {

// The largest check_queue_per_worker: far more than any deadline can wait for (a million of
// the costliest checks are ~11 hours of one worker's time), and small enough that the
// queue's capacity, this times the number of cores, cannot overflow.
inline constexpr size_t kMaxCheckQueuePerWorker = 1'000'000;

struct ServerConfig {
  std::string listen = "127.0.0.1:50051";
  std::string model = "models";  // a model file, or a model store directory
  std::string rules = "rules/default.yaml";
  std::string data_dir = "var";

  RequestLimits limits;

  // Checks that may wait per worker thread (one worker per core) before calls are refused
  // with RESOURCE_EXHAUSTED: 64 typical checks are about 3 ms of work; 64 of the costliest
  // inputs within the limits (~40 ms each) about 2.5 s. 1 to kMaxCheckQueuePerWorker.
  size_t check_queue_per_worker = 64;

  // Check records (what SubmitFeedback resolves a check_id against).
  int64_t check_retention_ms = 7LL * 24 * 3600 * 1000;
  uint64_t check_max_records = 1'000'000;
  uint64_t check_max_bytes = 1ULL << 30;  // of stored requests
  // Check records wait in memory for the writer, at most this many and this many bytes;
  // past either the oldest waiting ones are dropped (counted in GetStatus) rather than
  // slowing CheckComment down (FeedbackStoreOptions::check_max_pending).
  size_t check_max_queued = 100'000;
  uint64_t check_max_queued_bytes = 64ULL << 20;

  // The feedback database file (reports and check records) stops growing here: a write past
  // it fails like a full disk (RESOURCE_EXHAUSTED, "the report was not stored"). Reports are never
  // deleted, so without a cap any client could fill the disk. A larger existing file is not
  // truncated (the cap is then its size at start). Must be larger than check_max_bytes, as
  // check records live in the same file.
  uint64_t feedback_store_max_bytes = 8ULL << 30;
  // Feedback reports accepted but not yet written wait in memory, at most this many reports
  // and this many bytes; past either, SubmitFeedback is RESOURCE_EXHAUSTED (retry with
  // back-off) until the disk catches up (FeedbackStoreOptions::report_max_pending).
  size_t feedback_max_queued_reports = 10'000;
  uint64_t feedback_max_queued_bytes = 64ULL << 20;

  // Duplicate-content window shared by every classifier generation.
  int64_t duplicate_retention_ms = 24LL * 3600 * 1000;
  size_t duplicate_max_entries = 200'000;

  // SIGTERM/SIGINT: health turns NOT_SERVING at once, and for this long every call is still
  // served as usual, so that load balancers probing health take the server out of rotation
  // before it refuses checks; a second SIGTERM/SIGINT ends it early. 0: no grace, the drain
  // begins at once.
  int64_t not_serving_grace_ms = 0;
  // Then, in the drain, new calls are refused and in-flight calls get this long to finish
  // before they are cancelled.
  int64_t drain_deadline_ms = 10'000;

  // HTTP/2 connection management.
  int64_t keepalive_time_ms = 60'000;
  int64_t keepalive_timeout_ms = 20'000;
  int64_t max_connection_age_ms = 30LL * 60 * 1000;
  int64_t max_connection_age_grace_ms = 30'000;
  int max_concurrent_streams = 256;

  // How often the model store's `current` link is checked for a new target.
  int64_t model_watch_interval_ms = 1000;

  // spamguard.v1.Admin (reload any model file, read the status) answers loopback clients
  // only, unless this is set (`admin: {allow_remote: true}`).
  bool admin_allow_remote = false;
};

// Reads a YAML config file into *config, leaving unmentioned settings as they are. Every
// number must fit where it is used: limits.message_bytes and the connections durations at
// most INT_MAX (bytes, ms), as gRPC takes an int; the not-serving grace, the drain deadline
// and the model watch interval at most 10^12 ms, as a wait is added to a clock that counts
// nanoseconds in an int64. A value that does not fit is refused, never wrapped or clamped.
// Errors: kNotFound (no file), kInvalidArgument naming the file, the key and what is wrong,
// with the allowed range for a value too large (unknown keys are errors, so a typo is not
// silently ignored); settings that contradict each other (limits.content_bytes not below
// limits.message_bytes, feedback_store.max_megabytes not above check_records.max_megabytes,
// either from the file or the default) are kInvalidArgument naming both keys.
Status LoadServerConfigFile(const std::string& path, ServerConfig* config);

// Sets config->not_serving_grace_ms from a number of seconds (the flag
// --shutdown-not-serving-grace-seconds) by the rules of shutdown.not_serving_grace_seconds:
// 0, or at least 0.001 and at most 1000000000. Errors: kInvalidArgument saying what is wrong
// with the value (the caller names the flag); *config is then unchanged.
Status SetNotServingGraceSeconds(double seconds, ServerConfig* config);

}  // namespace spamguard::server

#endif  // SPAMGUARD_SERVER_SERVER_CONFIG_H_
