#include "server/feedback_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "model/fnv_hash.h"
#include "model/unix_time.h"
#include "server/random_id.h"
#include "server/server_log.h"

namespace spamguard::server {
namespace {

using spamguard::v1::CheckCommentRequest;

// Schema history. Index i holds the statements that take user_version i to i + 1; a new
// version appends an entry and never edits an old one.
const char* const kMigrations[] = {
    // 0 -> 1
    "CREATE TABLE feedback ("
    "  id INTEGER PRIMARY KEY,"
    "  feedback_id TEXT NOT NULL UNIQUE,"
    "  site_id TEXT NOT NULL,"
    "  check_id TEXT NOT NULL,"  // '' when reported by comment only
    "  label INTEGER NOT NULL,"  // spamguard.v1.Label: 1 spam, 2 ham
    "  reporter TEXT NOT NULL,"
    "  reported_at_ms INTEGER NOT NULL,"
    "  dedup_key TEXT NOT NULL,"  // 'check:<check_id>' or 'content:<hash>'
    "  request BLOB NOT NULL"     // serialized spamguard.v1.CheckCommentRequest
    ");"
    "CREATE UNIQUE INDEX feedback_dedup ON feedback(dedup_key, label);"
    "CREATE INDEX feedback_reported_at ON feedback(reported_at_ms);"
    "CREATE TABLE checks ("
    "  check_id TEXT PRIMARY KEY,"
    "  checked_at_ms INTEGER NOT NULL,"
    "  request BLOB NOT NULL"
    ");"
    "CREATE INDEX checks_checked_at ON checks(checked_at_ms);",
    // 1 -> 2: the check records' count and bytes, kept by triggers in the transaction that
    // changes them, so that neither a start nor a prune has to scan the table (a sum over a
    // 1 GiB store took 0.5-3.4 s). The first count is the one scan, at the upgrade.
    "CREATE TABLE check_totals ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  records INTEGER NOT NULL,"
    "  bytes INTEGER NOT NULL"
    ");"
    "INSERT INTO check_totals SELECT 1, count(*), COALESCE(SUM(length(request)), 0) FROM checks;"
    "CREATE TRIGGER checks_insert AFTER INSERT ON checks BEGIN"
    "  UPDATE check_totals SET records = records + 1, bytes = bytes + length(NEW.request);"
    " END;"
    "CREATE TRIGGER checks_delete AFTER DELETE ON checks BEGIN"
    "  UPDATE check_totals SET records = records - 1, bytes = bytes - length(OLD.request);"
    " END;"
    "CREATE TRIGGER checks_update AFTER UPDATE OF request ON checks BEGIN"
    "  UPDATE check_totals SET bytes = bytes - length(OLD.request) + length(NEW.request);"
    " END;",
};
static_assert(std::size(kMigrations) == kFeedbackSchemaVersion);
// The reader reads only the feedback table, unchanged since version 1: a store the server
// has not migrated yet (or a rolled-back server's) stays readable.
constexpr int kFeedbackReaderMinSchemaVersion = 1;

// The duplicate key of a report resolved by its content as stores wrote it before keys
// named the site: "content:<hash>:<length>". 64-bit FNV-1a: stable across builds and
// machines (std::hash is not), which the key needs because it is stored.
std::string SitelessContentKey(const std::string& content) {
  const uint64_t hash = Fnv1a64(content);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "content:%016llx:%zu", static_cast<unsigned long long>(hash),
                content.size());
  return buffer;
}

// The duplicate key of a report resolved by its content: "content:<hash>:<length>:<site_id>".
// The site comes last, after fixed-form fields, so any site_id (':' included) gives a key no
// other site and content can give, and none equal to a siteless key.
std::string ContentKey(const std::string& site_id, const std::string& content) {
  return SitelessContentKey(content) + ":" + site_id;
}

// A duration in the largest unit that states it exactly: "168 hours", "30 minutes" (a
// retention_hours of 0.5), "1 second", "250 ms".
std::string DurationText(int64_t ms) {
  constexpr std::pair<int64_t, const char*> kUnits[] = {
      {3'600'000, "hour"}, {60'000, "minute"}, {1000, "second"}};
  for (const auto& [unit_ms, unit] : kUnits) {
    if (ms % unit_ms == 0) {
      const int64_t count = ms / unit_ms;
      return std::to_string(count) + " " + unit + (count == 1 ? "" : "s");
    }
  }
  return std::to_string(ms) + " ms";
}

// What a waiting report holds in memory, as the pending and batch byte bounds count it:
// mostly the comment, up to the message limit.
size_t PendingReportBytes(const FeedbackSubmission& submission) {
  return (submission.request ? submission.request->ByteSizeLong() : 0) + submission.site_id.size() +
         submission.check_id.size() + submission.reporter.size();
}

std::string SqliteError(sqlite3* db, const std::string& path, const std::string& what) {
  return path + ": " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
}

// A prepared statement, finalized on destruction.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return stmt_ != nullptr; }
  sqlite3_stmt* get() const { return stmt_; }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  void Bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void BindBlob(int index, const std::string& bytes) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  }
  void Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  std::string Text(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return text ? std::string(text, sqlite3_column_bytes(stmt_, column)) : std::string();
  }
  std::string Blob(int column) const {
    const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    return data ? std::string(data, sqlite3_column_bytes(stmt_, column)) : std::string();
  }
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

Status Exec(sqlite3* db, const std::string& path, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = path + ": " + (error ? error : "unknown SQLite error");
    sqlite3_free(error);
    return Status::IoError(message);
  }
  return Status::Ok();
}

Result<int> SchemaVersion(sqlite3* db, const std::string& path) {
  Statement statement(db, "PRAGMA user_version");
  if (!statement.ok() || sqlite3_step(statement.get()) != SQLITE_ROW) {
    return Status::IoError(SqliteError(db, path, "cannot read the schema version"));
  }
  return static_cast<int>(statement.Int(0));
}

Status CheckNotNewer(int version, const std::string& path) {
  if (version > kFeedbackSchemaVersion) {
    return Status::FailedPrecondition(
        path + ": schema version " + std::to_string(version) + " is newer than this program's " +
        std::to_string(kFeedbackSchemaVersion) + "; use a newer spamguard");
  }
  return Status::Ok();
}

// Brings the schema to kFeedbackSchemaVersion, one migration per transaction.
Status Migrate(sqlite3* db, const std::string& path) {
  Result<int> version = SchemaVersion(db, path);
  if (!version.ok()) return version.status();
  if (Status s = CheckNotNewer(*version, path); !s.ok()) return s;
  for (int v = *version; v < kFeedbackSchemaVersion; ++v) {
    std::string sql = std::string("BEGIN IMMEDIATE;") + kMigrations[v] +
                      "PRAGMA user_version = " + std::to_string(v + 1) + ";COMMIT;";
    if (Status s = Exec(db, path, sql.c_str()); !s.ok()) {
      Exec(db, path, "ROLLBACK");
      return Status::IoError("migrating schema " + std::to_string(v) + " -> " +
                             std::to_string(v + 1) + ": " + s.message());
    }
  }
  return Status::Ok();
}

// SQL WHERE clause and bindings for a filter.
struct FilterSql {
  std::string where;
  void Bind(Statement& statement, const FeedbackFilter& filter) const {
    int index = 1;
    if (filter.since_ms) statement.Bind(index++, *filter.since_ms);
    if (filter.site_id) statement.Bind(index++, *filter.site_id);
  }
};

FilterSql ToSql(const FeedbackFilter& filter) {
  FilterSql sql;
  std::vector<std::string> conditions;
  if (filter.since_ms) conditions.push_back("reported_at_ms >= ?");
  if (filter.site_id) conditions.push_back("site_id = ?");
  for (size_t i = 0; i < conditions.size(); ++i) {
    sql.where += (i == 0 ? " WHERE " : " AND ") + conditions[i];
  }
  return sql;
}

}  // namespace

const char* FeedbackLabelName(FeedbackLabel label) {
  return label == FeedbackLabel::kSpam ? "spam" : "ham";
}

nlohmann::json TrainingRecord(const FeedbackReport& report) {
  const Comment comment = ToComment(report.request);
  nlohmann::json record = {
      {"site_id", report.site_id},
      {"content", comment.content},
      {"author_name", comment.author_name},
      {"author_email", comment.author_email},
      {"author_url", comment.author_url},
      {"type", CommentKindName(comment.kind)},
      {"language", comment.language},
      {"client_ip", comment.client_ip},
      {"user_agent", comment.user_agent},
      {"referrer", comment.referrer},
      {"post_permalink", comment.post_permalink},
      {"post_title", comment.post_title},
      {"post_tags", comment.post_tags},
      {"honeypot_value", comment.honeypot_value},
      {"user_role", comment.user_role},
      {"recheck_reason", report.request.recheck_reason()},
  };
  if (comment.created_at_ms) record["created_at_ms"] = *comment.created_at_ms;
  if (comment.post_published_at_ms) record["post_published_at_ms"] = *comment.post_published_at_ms;
  if (comment.form_rendered_at_ms) record["form_rendered_at_ms"] = *comment.form_rendered_at_ms;
  record["label"] = FeedbackLabelName(report.label);
  record["feedback_id"] = report.feedback_id;
  record["check_id"] = report.check_id;
  record["reporter"] = report.reporter;
  record["reported_at_ms"] = report.reported_at_ms;
  return record;
}

// ---------------------------------------------------------------------------------------
// FeedbackReader

struct FeedbackReader::Connection {
  sqlite3* db = nullptr;
  ~Connection() { sqlite3_close(db); }
};

FeedbackReader::FeedbackReader(std::string path, std::unique_ptr<Connection> connection)
    : path_(std::move(path)), connection_(std::move(connection)) {}
FeedbackReader::~FeedbackReader() = default;

Result<std::unique_ptr<FeedbackReader>> FeedbackReader::Open(const std::string& data_dir) {
  const std::string path = (std::filesystem::path(data_dir) / kFeedbackDatabaseFile).string();
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return Status::NotFound(path + ": no feedback store (no report was ever stored here)");
  }
  auto connection = std::make_unique<Connection>();
  // Read-write without CREATE: SQLite needs write access to the -shm file to read a WAL
  // database whose writer is gone. Nothing here ever writes. Fall back to read-only for
  // a directory the reader cannot write.
  int rc = sqlite3_open_v2(path.c_str(), &connection->db, SQLITE_OPEN_READWRITE, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close(connection->db);
    connection->db = nullptr;
    rc = sqlite3_open_v2(path.c_str(), &connection->db, SQLITE_OPEN_READONLY, nullptr);
  }
  if (rc != SQLITE_OK) return Status::IoError(SqliteError(connection->db, path, "cannot open"));
  sqlite3_busy_timeout(connection->db, 5000);
  Result<int> version = SchemaVersion(connection->db, path);
  if (!version.ok()) return version.status();
  if (Status s = CheckNotNewer(*version, path); !s.ok()) return s;
  if (*version < kFeedbackReaderMinSchemaVersion) {
    return Status::FailedPrecondition(path + ": schema version " + std::to_string(*version) +
                                      " is older than " +
                                      std::to_string(kFeedbackReaderMinSchemaVersion) +
                                      "; start spamguard-server once to migrate it");
  }
  return std::unique_ptr<FeedbackReader>(new FeedbackReader(path, std::move(connection)));
}

Result<FeedbackStats> FeedbackReader::Stats(const FeedbackFilter& filter) const {
  const FilterSql sql = ToSql(filter);
  const std::string query =
      "SELECT site_id, label, count(*), min(reported_at_ms), max(reported_at_ms) FROM feedback" +
      sql.where + " GROUP BY site_id, label";
  Statement statement(connection_->db, query.c_str());
  if (!statement.ok()) return Status::IoError(SqliteError(connection_->db, path_, "query"));
  sql.Bind(statement, filter);
  FeedbackStats stats;
  int rc;
  while ((rc = sqlite3_step(statement.get())) == SQLITE_ROW) {
    const auto count = static_cast<uint64_t>(statement.Int(2));
    LabelCounts& site = stats.by_site[statement.Text(0)];
    if (statement.Int(1) == static_cast<int64_t>(FeedbackLabel::kSpam)) {
      site.spam += count;
      stats.all.spam += count;
    } else {
      site.ham += count;
      stats.all.ham += count;
    }
    const int64_t first = statement.Int(3);
    const int64_t last = statement.Int(4);
    if (!stats.first_reported_at_ms || first < *stats.first_reported_at_ms) {
      stats.first_reported_at_ms = first;
    }
    if (!stats.last_reported_at_ms || last > *stats.last_reported_at_ms) {
      stats.last_reported_at_ms = last;
    }
  }
  if (rc != SQLITE_DONE) return Status::IoError(SqliteError(connection_->db, path_, "query"));
  return stats;
}

Status FeedbackReader::ForEach(const FeedbackFilter& filter,
                               const std::function<bool(const FeedbackReport&)>& visit) const {
  const FilterSql sql = ToSql(filter);
  const std::string query =
      "SELECT feedback_id, site_id, check_id, label, reporter, reported_at_ms, request "
      "FROM feedback" +
      sql.where + " ORDER BY reported_at_ms, id";
  Statement statement(connection_->db, query.c_str());
  if (!statement.ok()) return Status::IoError(SqliteError(connection_->db, path_, "query"));
  sql.Bind(statement, filter);
  int rc;
  while ((rc = sqlite3_step(statement.get())) == SQLITE_ROW) {
    FeedbackReport report;
    report.feedback_id = statement.Text(0);
    report.site_id = statement.Text(1);
    report.check_id = statement.Text(2);
    report.label = statement.Int(3) == static_cast<int64_t>(FeedbackLabel::kSpam)
                       ? FeedbackLabel::kSpam
                       : FeedbackLabel::kHam;
    report.reporter = statement.Text(4);
    report.reported_at_ms = statement.Int(5);
    if (!report.request.ParseFromString(statement.Blob(6))) {
      return Status::Corruption(path_ + ": report " + report.feedback_id +
                                " holds an unreadable comment");
    }
    if (!visit(report)) return Status::Ok();
  }
  if (rc != SQLITE_DONE) return Status::IoError(SqliteError(connection_->db, path_, "query"));
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// FeedbackStore

struct FeedbackStore::Impl {
  struct PendingReport {
    FeedbackSubmission submission;
    std::function<void(Result<FeedbackOutcome>)> done;
    size_t bytes = 0;  // what it holds in memory, as counted against the byte bounds
  };
  struct PendingCheck {
    std::string check_id;
    int64_t checked_at_ms;
    std::string request;  // serialized
  };
  // Flush pending checks early once this many are queued, to keep transactions small.
  static constexpr size_t kCheckBatch = 2048;
  // Intervals are measured on the steady clock: on the wall clock, a step back stopped the
  // prunes (and the drop log) for as long as the step.
  using SteadyClock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kDropLogInterval{10'000};

  FeedbackStoreOptions options;
  std::string path;
  sqlite3* db = nullptr;  // owned by the writer thread after Open

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<PendingReport> reports;  // guarded by mutex
  size_t pending_report_bytes = 0;    // guarded by mutex: the `bytes` of `reports`
  std::deque<PendingCheck> checks;    // guarded by mutex
  size_t pending_check_bytes = 0;     // guarded by mutex: the requests in `checks`
  bool stopping = false;              // guarded by mutex

  std::atomic<uint64_t> spam_count{0};
  std::atomic<uint64_t> ham_count{0};
  std::atomic<uint64_t> dropped_checks{0};
  std::thread writer;

  ~Impl() { sqlite3_close(db); }

  // Whether the pending check records want a transaction before check_flush_interval_ms:
  // kCheckBatch of them (transactions stay small), or half of either pending bound. Woken by
  // the count alone, the writer slept out its interval while the bytes overflowed: 137 KiB
  // checks at 52 MiB/s filled the 64 MiB in 1.2 s and the oldest were dropped. From half,
  // the writer has the other half's time to write the first, so records are dropped only
  // when the disk cannot keep up. mutex held.
  bool ChecksDue() const {
    if (checks.empty()) return false;
    const size_t count_due =
        std::max<size_t>(1, std::min(kCheckBatch, options.check_max_pending / 2));
    const size_t bytes_due = std::max<size_t>(1, options.check_max_pending_bytes / 2);
    return checks.size() >= count_due || pending_check_bytes >= bytes_due;
  }

  // Whether a report of `bytes` must be refused because the waiting reports are at a
  // bound. A report larger than the byte bound is taken when none waits. mutex held.
  bool ReportsFull(size_t bytes) const {
    if (reports.empty()) return false;
    return reports.size() >= options.report_max_pending ||
           pending_report_bytes + bytes > options.report_max_pending_bytes;
  }

  // Moves the oldest waiting reports into *batch: at most report_max_batch of them and
  // report_max_batch_bytes, but at least one however large. The rest wait for the next
  // batch, in order. mutex held.
  void TakeReportBatch(std::vector<PendingReport>* batch) {
    size_t bytes = 0;
    while (!reports.empty() && batch->size() < options.report_max_batch) {
      const size_t next = reports.front().bytes;
      if (!batch->empty() && bytes + next > options.report_max_batch_bytes) break;
      bytes += next;
      batch->push_back(std::move(reports.front()));
      reports.pop_front();
    }
    pending_report_bytes -= bytes;
  }

  void Run();
  // Writes one batch in one transaction; returns one result per report, in order. All or
  // nothing: after any failed step no further statement runs and every report gets the same
  // error (FailBatch).
  std::vector<Result<FeedbackOutcome>> WriteBatch(std::vector<PendingCheck>& new_checks,
                                                  std::vector<PendingReport>& new_reports);
  // Ends a failed batch: rolls back the transaction if SQLite has not already done so (on a
  // full disk it may have, and a statement run after that would commit on its own), logs
  // what was lost, and returns kResourceExhausted (the store or disk is full) or kIoError for
  // each of the batch's reports.
  std::vector<Result<FeedbackOutcome>> FailBatch(const std::string& error, size_t checks,
                                                 size_t reports);
  // Resolves and inserts one report inside the batch's transaction. kNotFound is this
  // report's answer; kIoError means a statement failed and the batch must be abandoned.
  Result<FeedbackOutcome> StoreReport(const FeedbackSubmission& submission, int64_t now_ms,
                                      LabelCounts* added);
  void Prune(int64_t now_ms);
  // Deletes the oldest check records while their requests exceed check_max_bytes.
  void PruneBytes();
  // The stored check records and their requests' bytes (check_totals: one row read).
  struct CheckTotals {
    uint64_t records = 0;
    uint64_t bytes = 0;
  };
  CheckTotals StoredChecks();
  // Counts the records into check_totals again: when the row is missing, or a prune finds
  // fewer records than it says (a hand edit, or an older server writing to the file).
  // Without this a total that reads too high would delete every new record. A total too
  // high by less than a bound is not noticed: the store then keeps that much less until a
  // prune recounts (checking exactly would walk the whole index on every prune). False
  // when the count could not be written; the caller then deletes nothing.
  bool RecountChecks();
};

void FeedbackStore::Impl::Run() {
  // First the retention prune, so that bounds lowered since the last run apply before any
  // lookup (every write and every check lookup runs on this thread after it). It reads the
  // totals row and deletes only what is past a bound; after a long stop that deletion is
  // the only work that grows with the store, and the server listens meanwhile.
  Prune(options.now_ms());
  const std::chrono::milliseconds flush_interval(options.check_flush_interval_ms);
  const std::chrono::milliseconds prune_interval(options.check_prune_interval_ms);
  SteadyClock::time_point last_flush = SteadyClock::now();
  SteadyClock::time_point last_prune = last_flush;
  uint64_t logged_drops = 0;
  std::optional<SteadyClock::time_point> last_drop_log;
  for (;;) {
    std::vector<PendingReport> batch_reports;
    std::vector<PendingCheck> batch_checks;
    bool stop;
    {
      std::unique_lock lock(mutex);
      wake.wait_until(lock, SteadyClock::now() + flush_interval,
                      [&] { return stopping || !reports.empty() || ChecksDue(); });
      stop = stopping;
      TakeReportBatch(&batch_reports);
      // Check records ride along with any transaction, and get one of their own at least
      // every check_flush_interval_ms.
      if (!batch_reports.empty() || stop || ChecksDue() ||
          SteadyClock::now() - last_flush >= flush_interval) {
        batch_checks.assign(std::make_move_iterator(checks.begin()),
                            std::make_move_iterator(checks.end()));
        checks.clear();
        pending_check_bytes = 0;
      }
    }
    const SteadyClock::time_point now = SteadyClock::now();
    if (!batch_reports.empty() || !batch_checks.empty()) {
      std::vector<Result<FeedbackOutcome>> results = WriteBatch(batch_checks, batch_reports);
      last_flush = now;
      for (size_t i = 0; i < batch_reports.size(); ++i) {
        batch_reports[i].done(std::move(results[i]));
      }
      if (!batch_checks.empty()) PruneBytes();
    } else {
      last_flush = now;
    }
    if (now - last_prune >= prune_interval) {
      Prune(options.now_ms());  // retention is a stored, wall-clock age
      last_prune = now;
    }
    // Drops are logged at most once per kDropLogInterval (a cycle can be one fsync), and
    // the last ones when the store closes; GetStatus has the total at any time.
    if (const uint64_t drops = dropped_checks.load();
        drops != logged_drops &&
        (stop || !last_drop_log || now - *last_drop_log >= kDropLogInterval)) {
      LogLine("feedback store: dropped " + std::to_string(drops - logged_drops) +
              " pending check records (" + std::to_string(drops) +
              " since start): checks came faster than the disk took them; reports on those "
              "checks need the comment");
      logged_drops = drops;
      last_drop_log = now;
    }
    if (stop) {
      std::lock_guard lock(mutex);
      if (reports.empty() && checks.empty()) return;
    }
  }
}

std::vector<Result<FeedbackOutcome>> FeedbackStore::Impl::WriteBatch(
    std::vector<PendingCheck>& new_checks, std::vector<PendingReport>& new_reports) {
  if (Status s = Exec(db, path, "BEGIN IMMEDIATE"); !s.ok()) {
    return FailBatch(s.message(), new_checks.size(), new_reports.size());
  }

  {
    Statement insert(db,
                     "INSERT INTO checks(check_id, checked_at_ms, request) VALUES(?, ?, ?) "
                     // An upsert, not INSERT OR REPLACE: REPLACE's implicit delete fires no
                     // trigger (without recursive_triggers) and check_totals would drift.
                     "ON CONFLICT(check_id) DO UPDATE SET checked_at_ms = "
                     "excluded.checked_at_ms, request = excluded.request");
    for (const PendingCheck& check : new_checks) {
      insert.Reset();
      insert.Bind(1, check.check_id);
      insert.Bind(2, check.checked_at_ms);
      insert.BindBlob(3, check.request);
      if (sqlite3_step(insert.get()) != SQLITE_DONE) {
        return FailBatch(SqliteError(db, path, "storing check records"), new_checks.size(),
                         new_reports.size());
      }
    }
  }

  const int64_t now = options.now_ms();
  LabelCounts added;
  std::vector<Result<FeedbackOutcome>> results;
  results.reserve(new_reports.size());
  for (const PendingReport& report : new_reports) {
    Result<FeedbackOutcome> result = StoreReport(report.submission, now, &added);
    if (!result.ok() && result.status().code() == Status::Code::kIoError) {
      return FailBatch(result.status().message(), new_checks.size(), new_reports.size());
    }
    results.push_back(std::move(result));
  }
  if (sqlite3_get_autocommit(db)) {  // every failure above returns; this is a safety net
    return FailBatch(path + ": the transaction ended before its commit", new_checks.size(),
                     new_reports.size());
  }
  // The commit is the durability point (synchronous=FULL): only after it returns are the
  // reports acknowledged, and counted.
  if (Status s = Exec(db, path, "COMMIT"); !s.ok()) {
    return FailBatch(s.message(), new_checks.size(), new_reports.size());
  }
  spam_count += added.spam;
  ham_count += added.ham;
  return results;
}

std::vector<Result<FeedbackOutcome>> FeedbackStore::Impl::FailBatch(const std::string& error,
                                                                    size_t checks, size_t reports) {
  // Read before the rollback below replaces it. Full (the max_megabytes cap or the disk) is
  // RESOURCE_EXHAUSTED, which gRPC defines for "the entire file system is out of space":
  // retrying helps only once an operator makes room. Any other failure is an I/O error.
  const bool full = (sqlite3_extended_errcode(db) & 0xff) == SQLITE_FULL;
  if (!sqlite3_get_autocommit(db)) {
    if (Status s = Exec(db, path, "ROLLBACK"); !s.ok()) {
      LogLine("feedback store: cannot roll back a failed batch (" + s.message() + ")");
    }
  }
  LogLine("feedback store: a write failed (" + error + "); refused " + std::to_string(reports) +
          " reports, lost " + std::to_string(checks) + " check records");
  std::vector<Result<FeedbackOutcome>> results;
  results.reserve(reports);
  for (size_t i = 0; i < reports; ++i) {
    results.emplace_back(full ? Status::ResourceExhausted(
                                    error + "; the report was not stored: the feedback store is "
                                            "full (feedback_store.max_megabytes, or the disk)")
                              : Status::IoError(error + "; the report was not stored"));
  }
  return results;
}

Result<FeedbackOutcome> FeedbackStore::Impl::StoreReport(const FeedbackSubmission& submission,
                                                         int64_t now_ms, LabelCounts* added) {
  // The check record is preferred over a comment sent with the report: it is exactly what
  // the classifier saw.
  std::string request_bytes;
  if (!submission.check_id.empty()) {
    Statement lookup(db, "SELECT request FROM checks WHERE check_id = ? AND checked_at_ms >= ?");
    lookup.Bind(1, submission.check_id);
    lookup.Bind(2, now_ms - options.check_retention_ms);
    const int rc = sqlite3_step(lookup.get());
    if (rc == SQLITE_ROW) {
      request_bytes = lookup.Blob(0);
    } else if (rc != SQLITE_DONE) {
      return Status::IoError(SqliteError(db, path, "looking up a check record"));
    }
  }
  CheckCommentRequest request;
  if (!request_bytes.empty()) {
    // A check resolves only for the site that made it: check ids are not secrets a site
    // can be trusted to keep from another, and a report on someone else's check would
    // put words in their moderators' mouths. An empty site_id is the default site, one
    // site like the others, not a wildcard.
    if (!request.ParseFromString(request_bytes) || request.site_id() != submission.site_id) {
      request_bytes.clear();
      request.Clear();
    }
  }
  const bool resolved_check = !request_bytes.empty();
  if (request_bytes.empty()) {
    if (!submission.request) {
      return Status::NotFound(
          "check_id '" + submission.check_id + "' is unknown or expired (checks are kept " +
          DurationText(options.check_retention_ms) +
          ", and under overload a check's record can be dropped before it is stored: see "
          "check_records_dropped in Admin.GetStatus); send the comment with the report");
    }
    request = *submission.request;
    request_bytes = request.SerializeAsString();
  }

  const std::string site_id = submission.site_id.empty() ? request.site_id() : submission.site_id;
  // A content key names the site: the same text reported by two sites is two reports, and
  // neither site learns the other's feedback_id.
  const std::string dedup_key = resolved_check ? "check:" + submission.check_id
                                               : ContentKey(site_id, request.comment().content());
  const auto label = static_cast<int64_t>(submission.label);
  // The feedback_id of a stored report with this key and label (and site, when given); ""
  // when there is none.
  auto stored_report = [&](const char* sql, const std::string& key,
                           const std::string* site) -> Result<std::string> {
    Statement existing(db, sql);
    existing.Bind(1, key);
    existing.Bind(2, label);
    if (site != nullptr) existing.Bind(3, *site);
    const int rc = sqlite3_step(existing.get());
    if (rc == SQLITE_ROW) return existing.Text(0);
    if (rc != SQLITE_DONE) return Status::IoError(SqliteError(db, path, "looking up duplicates"));
    return std::string();
  };
  Result<std::string> duplicate = stored_report(
      "SELECT feedback_id FROM feedback WHERE dedup_key = ? AND label = ?", dedup_key, nullptr);
  // Reports stored before content keys named the site carry the siteless key; they are
  // duplicates only for the site that stored them (the site_id column says which). The
  // unique index never sees the two forms collide: they differ as strings.
  if (duplicate.ok() && duplicate->empty() && !resolved_check) {
    duplicate = stored_report(
        "SELECT feedback_id FROM feedback WHERE dedup_key = ? AND label = ? AND site_id = ?",
        SitelessContentKey(request.comment().content()), &site_id);
  }
  if (!duplicate.ok()) return duplicate.status();
  if (!duplicate->empty()) return FeedbackOutcome{*duplicate, /*duplicate=*/true};

  const std::string feedback_id = RandomId("fb-");
  Statement insert(db,
                   "INSERT INTO feedback(feedback_id, site_id, check_id, label, reporter, "
                   "reported_at_ms, dedup_key, request) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
  insert.Bind(1, feedback_id);
  insert.Bind(2, site_id);
  insert.Bind(3, submission.check_id);
  insert.Bind(4, label);
  insert.Bind(5, submission.reporter);
  insert.Bind(6, now_ms);
  insert.Bind(7, dedup_key);
  insert.BindBlob(8, request_bytes);
  if (sqlite3_step(insert.get()) != SQLITE_DONE) {
    return Status::IoError(SqliteError(db, path, "storing a report"));
  }
  if (submission.label == FeedbackLabel::kSpam) {
    ++added->spam;
  } else {
    ++added->ham;
  }
  return FeedbackOutcome{feedback_id, /*duplicate=*/false};
}

void FeedbackStore::Impl::Prune(int64_t now_ms) {
  Statement by_age(db, "DELETE FROM checks WHERE checked_at_ms < ?");
  by_age.Bind(1, now_ms - options.check_retention_ms);
  sqlite3_step(by_age.get());
  uint64_t records = StoredChecks().records;
  if (records > options.check_max_records) {
    // With a right total there are more than `excess` records; none after the first
    // `excess` means the total is too high, and deleting would empty the table.
    Statement beyond(db, "SELECT 1 FROM checks ORDER BY checked_at_ms LIMIT 1 OFFSET ?");
    beyond.Bind(1, static_cast<int64_t>(records - options.check_max_records));
    if (sqlite3_step(beyond.get()) != SQLITE_ROW) {
      if (!RecountChecks()) return;
      records = StoredChecks().records;
    }
  }
  if (records > options.check_max_records) {
    Statement by_count(db,
                       "DELETE FROM checks WHERE check_id IN (SELECT check_id FROM checks "
                       "ORDER BY checked_at_ms LIMIT ?)");
    by_count.Bind(1, static_cast<int64_t>(records - options.check_max_records));
    sqlite3_step(by_count.get());
  }
  PruneBytes();
}

FeedbackStore::Impl::CheckTotals FeedbackStore::Impl::StoredChecks() {
  for (int attempt = 0; attempt < 2; ++attempt) {
    Statement totals(db, "SELECT records, bytes FROM check_totals WHERE id = 1");
    if (sqlite3_step(totals.get()) == SQLITE_ROW) {
      return CheckTotals{static_cast<uint64_t>(std::max<int64_t>(totals.Int(0), 0)),
                         static_cast<uint64_t>(std::max<int64_t>(totals.Int(1), 0))};
    }
    RecountChecks();  // the row is missing
  }
  return CheckTotals{};
}

bool FeedbackStore::Impl::RecountChecks() {
  const Status status = Exec(db, path,
                             "INSERT OR REPLACE INTO check_totals SELECT 1, count(*), "
                             "COALESCE(SUM(length(request)), 0) FROM checks");
  if (!status.ok()) {
    LogLine("feedback store: cannot count the check records (" + status.message() +
            "); pruning skipped until the next attempt");
  }
  return status.ok();
}

void FeedbackStore::Impl::PruneBytes() {
  constexpr int kBatch = 4096;
  bool recounted = false;
  for (uint64_t bytes = StoredChecks().bytes; bytes > options.check_max_bytes;) {
    // The oldest records until enough bytes are found, then one DELETE up to that time
    // (records sharing the last timestamp go with it).
    const uint64_t excess = bytes - options.check_max_bytes;
    Statement oldest(db,
                     "SELECT checked_at_ms, length(request) FROM checks "
                     "ORDER BY checked_at_ms LIMIT ?");
    oldest.Bind(1, int64_t{kBatch});
    uint64_t found = 0;
    int64_t cutoff_ms = 0;
    bool any = false;
    while (found < excess && sqlite3_step(oldest.get()) == SQLITE_ROW) {
      cutoff_ms = oldest.Int(0);
      found += static_cast<uint64_t>(oldest.Int(1));
      any = true;
    }
    oldest.Reset();
    if (found < excess && !recounted) {
      // One batch of the oldest does not cover the excess: either a bound lowered a long
      // way, or a total that reads too high. Count once before deleting more than a batch,
      // so that a wrong total never empties the table (a full scan, only in these cases).
      if (!RecountChecks()) return;
      recounted = true;
      bytes = StoredChecks().bytes;
      continue;
    }
    if (!any) return;
    Statement up_to(db, "DELETE FROM checks WHERE checked_at_ms <= ?");
    up_to.Bind(1, cutoff_ms);
    if (sqlite3_step(up_to.get()) != SQLITE_DONE || sqlite3_changes(db) == 0) return;
    bytes = StoredChecks().bytes;
  }
}

FeedbackStore::FeedbackStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FeedbackStore::~FeedbackStore() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (impl_->writer.joinable()) impl_->writer.join();
}

Result<std::unique_ptr<FeedbackStore>> FeedbackStore::Open(FeedbackStoreOptions options) {
  if (!options.now_ms) options.now_ms = UnixNowMs;
  options.report_max_pending = std::max<size_t>(1, options.report_max_pending);
  options.report_max_pending_bytes = std::max<size_t>(1, options.report_max_pending_bytes);
  options.report_max_batch = std::max<size_t>(1, options.report_max_batch);
  options.report_max_batch_bytes = std::max<size_t>(1, options.report_max_batch_bytes);
  auto impl = std::make_unique<Impl>();
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return Status::IoError(options.data_dir +
                           ": cannot create the data directory: " + error.message());
  }
  impl->path = (std::filesystem::path(options.data_dir) / kFeedbackDatabaseFile).string();
  impl->options = std::move(options);
  const std::string& path = impl->path;
  if (sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    return Status::IoError(SqliteError(impl->db, path, "cannot open"));
  }
  sqlite3_busy_timeout(impl->db, 5000);
  // WAL: readers (the CLI) never block the writer. synchronous=FULL: a COMMIT has reached
  // the disk (fsync of the WAL) when it returns, which is what acknowledging a report needs.
  if (Status s = Exec(impl->db, path, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
      !s.ok()) {
    return s;
  }
  if (Status s = Migrate(impl->db, path); !s.ok()) return s;
  if (impl->options.max_database_bytes > 0) {
    Statement page_size(impl->db, "PRAGMA page_size");
    if (sqlite3_step(page_size.get()) != SQLITE_ROW || page_size.Int(0) <= 0) {
      return Status::IoError(SqliteError(impl->db, path, "cannot read the page size"));
    }
    const uint64_t pages = std::max<uint64_t>(
        1, impl->options.max_database_bytes / static_cast<uint64_t>(page_size.Int(0)));
    const std::string sql = "PRAGMA max_page_count = " + std::to_string(pages);
    if (Status s = Exec(impl->db, path, sql.c_str()); !s.ok()) return s;
  }
  {
    Statement counts(impl->db, "SELECT label, count(*) FROM feedback GROUP BY label");
    while (counts.ok() && sqlite3_step(counts.get()) == SQLITE_ROW) {
      const auto count = static_cast<uint64_t>(counts.Int(1));
      if (counts.Int(0) == static_cast<int64_t>(FeedbackLabel::kSpam)) {
        impl->spam_count = count;
      } else {
        impl->ham_count = count;
      }
    }
  }
  Impl* raw = impl.get();
  impl->writer = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<FeedbackStore>(new FeedbackStore(std::move(impl)));
}

void FeedbackStore::RecordCheck(const std::string& check_id, int64_t checked_at_ms,
                                const CheckCommentRequest& request) {
  Impl::PendingCheck check{check_id, checked_at_ms, request.SerializeAsString()};
  bool wake = false;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopping) return;
    const size_t bytes = check.request.size();
    if (bytes > impl_->options.check_max_pending_bytes) {  // never fits: keep the others
      ++impl_->dropped_checks;
      return;
    }
    while (!impl_->checks.empty() &&
           (impl_->checks.size() >= impl_->options.check_max_pending ||
            impl_->pending_check_bytes + bytes > impl_->options.check_max_pending_bytes)) {
      impl_->pending_check_bytes -= impl_->checks.front().request.size();
      impl_->checks.pop_front();
      ++impl_->dropped_checks;
    }
    const bool was_due = impl_->ChecksDue();
    impl_->pending_check_bytes += bytes;
    impl_->checks.push_back(std::move(check));
    wake = !was_due && impl_->ChecksDue();
  }
  if (wake) impl_->wake.notify_one();
}

void FeedbackStore::Submit(FeedbackSubmission submission,
                           std::function<void(Result<FeedbackOutcome>)> done) {
  const size_t bytes = PendingReportBytes(submission);
  Status refused;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopping) {
      refused = Status::Unavailable("the feedback store is shutting down");
    } else if (impl_->ReportsFull(bytes)) {
      refused = Status::ResourceExhausted(
          "the queue of feedback reports waiting to be written is full (" +
          std::to_string(impl_->reports.size()) + " reports of at most " +
          std::to_string(impl_->options.report_max_pending) + ", " +
          std::to_string(impl_->pending_report_bytes) + " bytes of at most " +
          std::to_string(impl_->options.report_max_pending_bytes) +
          "): the disk is not keeping up; the report was not stored, retry with back-off");
    } else {
      impl_->pending_report_bytes += bytes;
      impl_->reports.push_back({std::move(submission), std::move(done), bytes});
    }
  }
  if (!refused.ok()) {
    done(std::move(refused));
    return;
  }
  impl_->wake.notify_one();
}

LabelCounts FeedbackStore::counts() const {
  return LabelCounts{impl_->spam_count.load(), impl_->ham_count.load()};
}

uint64_t FeedbackStore::dropped_check_records() const { return impl_->dropped_checks.load(); }

const std::string& FeedbackStore::path() const { return impl_->path; }

}  // namespace spamguard::server
