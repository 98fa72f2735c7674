// Feedback store: moderators' spam/ham reports, kept durably in SQLite under the data
// directory, plus the short-lived check records SubmitFeedback needs to resolve a check_id.
//
// File: <data_dir>/feedback.db (WAL journal, schema versioned with PRAGMA user_version and
// migrated forward on open by the writer; a reader refuses a newer schema than it knows).
//
// Two classes share the file:
//   - FeedbackStore: the server's writer. One background writer thread owns the write
//     connection. Feedback reports are group-committed: every report queued while the previous
//     transaction was being written goes into the next one (up to a bound, the rest into the
//     one after), committed with synchronous=FULL, and only then is each report's completion
//     callback run. So a report whose RPC has finished OK is on disk, even if the process is
//     killed right after. The reports waiting for the writer are bounded: past the bound a
//     report is refused at once (FeedbackStoreOptions::report_max_pending). Check records
//     (RecordCheck) never wait for the disk: they are queued in memory and written by the same
//     thread in batches (at least once a second), so a crash can lose the last second of
//     check records but never an acknowledged report.
//   - FeedbackReader: read-only access for the CLI (`spamguardctl feedback`, `retrain`). It
//     may be opened while the server is writing (WAL lets readers and one writer coexist).
//
// Training format (TrainingRecord / `spamguardctl feedback export`): one JSON object per
// line, the CheckCommentRequest flattened with the names of spamguard::Comment's fields:
//   {"site_id", "content", "author_name", "author_email", "author_url",
//    "type" (CommentKindName: "comment", "trackback", ...), "language", "client_ip",
//    "user_agent", "referrer", "post_permalink", "post_title", "post_tags" (array),
//    "honeypot_value", "user_role", "recheck_reason",
//    "created_at_ms", "post_published_at_ms", "form_rendered_at_ms" (Unix ms; omitted when
//    unset), "label" ("spam" | "ham"), and for the audit trail "feedback_id", "check_id",
//    "reporter", "reported_at_ms"}.
#ifndef SPAMGUARD_SERVER_FEEDBACK_STORE_H_
#define SPAMGUARD_SERVER_FEEDBACK_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "model/status.h"
#include "server/comment_conversion.h"  // ToComment, for readers that train on reports
#include "spamguard/v1/spamguard.pb.h"

namespace spamguard::server {

inline constexpr char kFeedbackDatabaseFile[] = "feedback.db";
// Version of the schema this code writes; stored in PRAGMA user_version.
inline constexpr int kFeedbackSchemaVersion = 2;

enum class FeedbackLabel { kSpam = 1, kHam = 2 };  // values equal spamguard.v1.Label's

// "spam" or "ham".
const char* FeedbackLabelName(FeedbackLabel label);

// One stored report.
struct FeedbackReport {
  std::string feedback_id;  // "fb-" + 16 hex digits; unique
  std::string site_id;      // the reporting site (request's site_id, else the comment's)
  std::string check_id;     // the check reported on; empty when reported by comment only
  FeedbackLabel label = FeedbackLabel::kSpam;
  std::string reporter;
  int64_t reported_at_ms = 0;  // server time of the report, Unix ms
  // The comment as it was received: the CheckComment request that check_id names when the
  // server still had it, else the comment sent with the report.
  spamguard::v1::CheckCommentRequest request;
};

// The training-format JSON object for a report (see the file comment).
nlohmann::json TrainingRecord(const FeedbackReport& report);

struct LabelCounts {
  uint64_t spam = 0;
  uint64_t ham = 0;
  uint64_t total() const { return spam + ham; }
};

struct FeedbackStats {
  LabelCounts all;
  std::map<std::string, LabelCounts> by_site;   // key: site_id ("" for the default site)
  std::optional<int64_t> first_reported_at_ms;  // unset when there are no reports
  std::optional<int64_t> last_reported_at_ms;
};

// Which reports to read. Unset fields do not filter.
struct FeedbackFilter {
  std::optional<int64_t> since_ms;     // reported_at_ms >= since_ms
  std::optional<std::string> site_id;  // exact match
};

// Read-only view of a feedback store. Thread safety: one instance must be used by one
// thread at a time (it owns one SQLite connection); open one per thread otherwise.
class FeedbackReader {
 public:
  // Opens <data_dir>/feedback.db read-only. Errors: kNotFound when the file does not exist
  // (no feedback was ever stored there), kFailedPrecondition when its schema is newer than
  // this code, kIoError for anything SQLite reports. Messages name the file.
  static Result<std::unique_ptr<FeedbackReader>> Open(const std::string& data_dir);
  ~FeedbackReader();
  FeedbackReader(const FeedbackReader&) = delete;
  FeedbackReader& operator=(const FeedbackReader&) = delete;

  // Counts of the reports matching the filter.
  Result<FeedbackStats> Stats(const FeedbackFilter& filter = {}) const;

  // Calls visit for every matching report, oldest first; stops early (still OK) when visit
  // returns false. Errors: kIoError, or kCorruption when a stored comment cannot be parsed.
  Status ForEach(const FeedbackFilter& filter,
                 const std::function<bool(const FeedbackReport&)>& visit) const;

  const std::string& path() const { return path_; }

 private:
  struct Connection;
  FeedbackReader(std::string path, std::unique_ptr<Connection> connection);
  std::string path_;
  std::unique_ptr<Connection> connection_;
};

struct FeedbackStoreOptions {
  std::string data_dir = "var";  // created when missing
  // Check records older than this are forgotten (SubmitFeedback then needs the comment).
  int64_t check_retention_ms = 7LL * 24 * 3600 * 1000;
  // At most this many check records, and this many bytes of their requests, are kept on
  // disk; the oldest go first.
  uint64_t check_max_records = 1'000'000;
  uint64_t check_max_bytes = 1ULL << 30;
  // At most this many check records, and this many bytes of them, wait in memory for the
  // writer; beyond either the oldest pending ones are dropped (counted in
  // dropped_check_records()) rather than slowing CheckComment down when the disk cannot keep
  // up. (A request is at most 256 KiB: a count alone let 2 GB pile up.)
  size_t check_max_pending = 100'000;
  size_t check_max_pending_bytes = 64 * 1024 * 1024;
  // The writer flushes pending check records at least this often, and sooner once 2,048
  // records or half of either bound above are pending.
  int64_t check_flush_interval_ms = 1000;
  // The writer deletes stored check records past check_retention_ms or check_max_records
  // this often (past check_max_bytes also after every write of check records).
  int64_t check_prune_interval_ms = 60'000;
  // Both intervals are measured on the steady clock: a step of the wall clock neither
  // delays nor hurries them.
  //
  // At most this many reports, and this many bytes of them (their comments, up to 256 KiB
  // each, and their strings), wait in memory for the writer. A submission beyond either is
  // refused at once with kResourceExhausted (retry with back-off) instead of holding memory
  // without bound while the disk cannot keep up. A report that alone exceeds the byte bound
  // is still taken when no other report waits, so that its retry can succeed. Values below
  // 1 count as 1.
  size_t report_max_pending = 10'000;
  size_t report_max_pending_bytes = 64 * 1024 * 1024;
  // One transaction takes at most this many waiting reports, and this many bytes of them
  // (always at least one report); the rest go into the next. Every reply in a transaction
  // waits for its one COMMIT, so an unbounded batch would delay them all and hold all its
  // memory meanwhile. Values below 1 count as 1.
  size_t report_max_batch = 1'000;
  size_t report_max_batch_bytes = 32 * 1024 * 1024;
  // A hard cap on the database file, in bytes (0: none), rounded down to whole SQLite pages
  // and never below the file's size at open (SQLite's PRAGMA max_page_count; the WAL file
  // is not counted). A write that would grow the file past it fails as on a full disk
  // (which is also how tests make the disk full). The server config's
  // feedback_store.max_megabytes.
  uint64_t max_database_bytes = 0;
  // Wall clock, Unix ms, for the timestamps that are stored (and the retention they are
  // compared with); replaceable in tests. Intervals never use it.
  std::function<int64_t()> now_ms;
};

// A report to store, as SubmitFeedback received it (already validated by the caller).
struct FeedbackSubmission {
  std::string site_id;
  std::string check_id;  // may be empty when request is set
  std::optional<spamguard::v1::CheckCommentRequest> request;
  FeedbackLabel label = FeedbackLabel::kSpam;
  std::string reporter;
};

struct FeedbackOutcome {
  std::string feedback_id;  // the stored report's id (the earlier one for a duplicate)
  bool duplicate = false;   // the same report was already stored; nothing new was written
};

// The server's writer. Thread safety: all public methods may be called from any thread.
class FeedbackStore {
 public:
  // Creates the data directory and the database when missing, migrates the schema, and
  // starts the writer thread. Errors: kIoError / kFailedPrecondition naming the file.
  static Result<std::unique_ptr<FeedbackStore>> Open(FeedbackStoreOptions options);
  // Writes everything still queued (reports and check records), then stops the writer.
  ~FeedbackStore();
  FeedbackStore(const FeedbackStore&) = delete;
  FeedbackStore& operator=(const FeedbackStore&) = delete;

  // Remembers what a check saw so that a later report can quote its check_id. Never blocks
  // on the disk (see FeedbackStoreOptions::check_max_pending).
  void RecordCheck(const std::string& check_id, int64_t checked_at_ms,
                   const spamguard::v1::CheckCommentRequest& request);

  // Queues a report; done runs once with its outcome and must not block for long.
  //   - Refused before queuing, done running at once on the calling thread:
  //     kResourceExhausted when report_max_pending reports or report_max_pending_bytes
  //     already wait for the writer (the message says so; retry with back-off), kUnavailable
  //     after shutdown began.
  //   - Otherwise on the writer thread, once the report is durably committed (or found to
  //     be a duplicate), or with an error: kNotFound when check_id is unknown, expired or
  //     another site's and no comment was given; kResourceExhausted when the file is at
  //     max_database_bytes or the disk is full, kIoError for any other database failure.
  //     Reports are written in the order submitted, in batches (at most report_max_batch
  //     reports / report_max_batch_bytes each), one transaction each, and a batch is all or
  //     nothing: every report of a failed batch gets the error, none of them is stored, and
  //     the batch's check records are lost too (logged); the client may retry.
  // A check_id resolves only for a submission whose site_id equals the checked request's;
  // an empty site_id is the default site and resolves only checks made with an empty
  // site_id. Duplicate key: check_id + label when the check_id resolved, else the site + the
  // comment content + label; a duplicate is found within a batch as across batches.
  void Submit(FeedbackSubmission submission, std::function<void(Result<FeedbackOutcome>)> done);

  // Reports stored, all time: read at open, then raised by the writer after each commit,
  // so it never counts a report that a failed batch did not store.
  LabelCounts counts() const;
  // Check records dropped because the writer fell behind (see check_max_pending).
  uint64_t dropped_check_records() const;
  const std::string& path() const;

 private:
  struct Impl;
  explicit FeedbackStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace spamguard::server

#endif  // SPAMGUARD_SERVER_FEEDBACK_STORE_H_
