// FeedbackStore / FeedbackReader through the C++ API, with an injected clock.
#include "server/feedback_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "model/fnv_hash.h"
#include "model/unix_time.h"
#include "tests/support/test_process.h"

namespace spamguard::server {
namespace {

using spamguard::testing::TempDir;

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

// Keeps the store's writer thread inside a report's done callback until Release() or
// destruction: check records recorded meanwhile stay pending, as when the disk cannot keep
// up.
class BusyWriter {
 public:
  explicit BusyWriter(FeedbackStore& store) {
    FeedbackSubmission submission;
    submission.site_id = "blog";
    submission.request.emplace();
    submission.request->set_site_id("blog");
    submission.request->mutable_comment()->set_content("keeps the writer busy");
    std::shared_future<void> released = released_.get_future().share();
    store.Submit(std::move(submission), [this, released](Result<FeedbackOutcome>) {
      entered_.set_value();
      released.wait();
    });
    entered_.get_future().wait();
  }
  ~BusyWriter() { Release(); }
  BusyWriter(const BusyWriter&) = delete;
  BusyWriter& operator=(const BusyWriter&) = delete;

  void Release() {
    if (!released_already_) released_.set_value();
    released_already_ = true;
  }

 private:
  std::promise<void> entered_;
  std::promise<void> released_;
  bool released_already_ = false;
};

class FeedbackStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<FeedbackStore> Open(
      const std::function<void(FeedbackStoreOptions&)>& adjust = nullptr) {
    FeedbackStoreOptions options;
    options.data_dir = dir_.path();
    options.now_ms = [this] { return now_ms_.load(); };
    if (adjust) adjust(options);
    auto store = FeedbackStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  static Result<FeedbackOutcome> SubmitAndWait(FeedbackStore& store, FeedbackSubmission s) {
    std::promise<Result<FeedbackOutcome>> done;
    store.Submit(std::move(s), [&done](Result<FeedbackOutcome> r) { done.set_value(r); });
    return done.get_future().get();
  }

  static spamguard::v1::CheckCommentRequest Request(const std::string& content) {
    spamguard::v1::CheckCommentRequest request;
    request.set_site_id("blog");
    request.mutable_comment()->set_content(content);
    return request;
  }

  TempDir dir_;
  std::atomic<int64_t> now_ms_{100 * kDayMs};
};

TEST_F(FeedbackStoreTest, ReportOnARecordedCheckStoresTheCheckedRequest) {
  auto store = Open();
  store->RecordCheck("ck-1", now_ms_, Request("checked text"));
  FeedbackSubmission submission;
  submission.site_id = "blog";
  submission.check_id = "ck-1";
  submission.label = FeedbackLabel::kHam;
  auto outcome = SubmitAndWait(*store, submission);
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  store.reset();

  auto reader = FeedbackReader::Open(dir_.path());
  ASSERT_TRUE(reader.ok());
  std::vector<FeedbackReport> reports;
  ASSERT_TRUE((*reader)
                  ->ForEach({},
                            [&](const FeedbackReport& r) {
                              reports.push_back(r);
                              return true;
                            })
                  .ok());
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].request.comment().content(), "checked text");
  EXPECT_EQ(reports[0].site_id, "blog");
}

TEST_F(FeedbackStoreTest, PendingCheckRecordsAreBoundedInBytesDroppingTheOldest) {
  auto store = Open([](FeedbackStoreOptions& options) {
    options.check_max_pending_bytes = 4096;
    options.check_flush_interval_ms = 3'600'000;
  });
  BusyWriter busy(*store);  // the records below pile up as if the disk were slow
  for (int i = 0; i < 10; ++i) {
    store->RecordCheck("ck-" + std::to_string(i), now_ms_,
                       Request(std::to_string(i) + std::string(1000, 'x')));
  }
  EXPECT_EQ(store->dropped_check_records(), 6u);  // four ~1 KB requests fit in 4 KiB
  store->RecordCheck("ck-huge", now_ms_, Request(std::string(8192, 'y')));
  EXPECT_EQ(store->dropped_check_records(), 7u);  // larger than the budget on its own
  busy.Release();

  FeedbackSubmission kept;
  kept.site_id = "blog";
  kept.check_id = "ck-9";
  EXPECT_TRUE(SubmitAndWait(*store, kept).ok());
  FeedbackSubmission dropped;
  dropped.site_id = "blog";
  dropped.check_id = "ck-0";
  EXPECT_EQ(SubmitAndWait(*store, dropped).status().code(), Status::Code::kNotFound);
}

// Dropped records have no caller to tell: the log says how many.
TEST_F(FeedbackStoreTest, DroppedCheckRecordsAreLoggedWithTheirCount) {
  ::testing::internal::CaptureStderr();
  {
    auto store = Open([](FeedbackStoreOptions& options) {
      options.check_max_pending_bytes = 4096;
      options.check_flush_interval_ms = 3'600'000;
    });
    BusyWriter busy(*store);
    for (int i = 0; i < 10; ++i) {
      store->RecordCheck("ck-" + std::to_string(i), now_ms_,
                         Request(std::to_string(i) + std::string(1000, 'x')));
    }
  }
  EXPECT_THAT(::testing::internal::GetCapturedStderr(),
              ::testing::HasSubstr("dropped 6 pending check records (6 since start)"));
}

TEST_F(FeedbackStoreTest, ACheckResolvesOnlyForTheSiteThatMadeIt) {
  auto store = Open();
  store->RecordCheck("ck-a", now_ms_, Request("site a's comment"));  // site "blog"
  FeedbackSubmission own;
  own.site_id = "blog";
  own.check_id = "ck-a";
  auto first = SubmitAndWait(*store, own);
  ASSERT_TRUE(first.ok()) << first.status().message();

  FeedbackSubmission other;
  other.site_id = "another-blog";
  other.check_id = "ck-a";
  EXPECT_EQ(SubmitAndWait(*store, other).status().code(), Status::Code::kNotFound);
  // With its own comment the report is stored, as a new report, not as a duplicate of the
  // first site's.
  other.request = Request("another blog's comment");
  other.request->set_site_id("another-blog");
  auto second = SubmitAndWait(*store, other);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_FALSE(second->duplicate);
  EXPECT_NE(second->feedback_id, first->feedback_id);
}

TEST_F(FeedbackStoreTest, StoredCheckRecordsAreBoundedInBytesOldestFirst) {
  {
    auto store = Open([](FeedbackStoreOptions& options) { options.check_max_bytes = 3500; });
    for (int i = 0; i < 6; ++i) {
      store->RecordCheck("ck-" + std::to_string(i), now_ms_ + i,
                         Request(std::to_string(i) + std::string(1000, 'x')));
    }
  }  // closing writes every pending record, then trims to the budget
  auto store = Open([](FeedbackStoreOptions& options) { options.check_max_bytes = 3500; });
  FeedbackSubmission newest;
  newest.site_id = "blog";
  newest.check_id = "ck-5";
  EXPECT_TRUE(SubmitAndWait(*store, newest).ok());
  FeedbackSubmission third;
  third.site_id = "blog";
  third.check_id = "ck-3";
  EXPECT_TRUE(SubmitAndWait(*store, third).ok());  // three ~1 KB records fit in 3,500 bytes
  FeedbackSubmission oldest;
  oldest.site_id = "blog";
  oldest.check_id = "ck-2";
  EXPECT_EQ(SubmitAndWait(*store, oldest).status().code(), Status::Code::kNotFound);
}

// Bounds lowered between runs apply to what is already stored before the first lookup: the
// writer counts the stored bytes and prunes when it starts.
TEST_F(FeedbackStoreTest, AReopenedStoreAppliesLowerBoundsBeforeAnyLookup) {
  {
    auto store = Open();
    for (int i = 0; i < 6; ++i) {
      store->RecordCheck("ck-" + std::to_string(i), now_ms_ + i,
                         Request(std::to_string(i) + std::string(1000, 'x')));
    }
  }
  auto resolves = [this](FeedbackStore& store, const std::string& check_id) {
    FeedbackSubmission submission;
    submission.site_id = "blog";
    submission.check_id = check_id;
    submission.reporter = "test-" + check_id;
    return SubmitAndWait(store, submission).status().code();
  };
  {
    auto store = Open([](FeedbackStoreOptions& options) { options.check_max_records = 4; });
    EXPECT_EQ(resolves(*store, "ck-1"), Status::Code::kNotFound);
    EXPECT_EQ(resolves(*store, "ck-2"), Status::Code::kOk);
  }
  auto store = Open([](FeedbackStoreOptions& options) { options.check_max_bytes = 2500; });
  EXPECT_EQ(resolves(*store, "ck-3"), Status::Code::kNotFound);  // two ~1 KB records fit
  EXPECT_EQ(resolves(*store, "ck-4"), Status::Code::kOk);
  EXPECT_EQ(resolves(*store, "ck-5"), Status::Code::kOk);
}

std::string DatabasePath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / kFeedbackDatabaseFile).string();
}

// Runs SQL on the store's file directly (the store must be closed); false on any error.
bool ExecOnStore(const std::string& data_dir, const std::string& sql) {
  sqlite3* db = nullptr;
  bool ok = sqlite3_open(DatabasePath(data_dir).c_str(), &db) == SQLITE_OK &&
            sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  if (!ok) ADD_FAILURE() << sqlite3_errmsg(db);
  sqlite3_close(db);
  return ok;
}

// What check_totals says next to what a scan of the checks table counts, read with SQLite
// directly after the store is closed.
struct CountedChecks {
  int64_t totals_records = -1;
  int64_t totals_bytes = -1;
  int64_t scanned_records = -1;
  int64_t scanned_bytes = -1;
};

CountedChecks CountChecks(const std::string& data_dir) {
  sqlite3* db = nullptr;
  CountedChecks counted;
  if (sqlite3_open_v2(DatabasePath(data_dir).c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_stmt* query = nullptr;
    sqlite3_prepare_v2(db,
                       "SELECT (SELECT records FROM check_totals), (SELECT bytes FROM "
                       "check_totals), count(*), COALESCE(SUM(length(request)), 0) FROM checks",
                       -1, &query, nullptr);
    if (query != nullptr && sqlite3_step(query) == SQLITE_ROW) {
      counted = {sqlite3_column_int64(query, 0), sqlite3_column_int64(query, 1),
                 sqlite3_column_int64(query, 2), sqlite3_column_int64(query, 3)};
    }
    sqlite3_finalize(query);
  }
  sqlite3_close(db);
  return counted;
}

// Waits (at most 10 s) until the store's file holds `records` check records.
bool WaitForStoredChecks(const std::string& data_dir, int64_t records) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (CountChecks(data_dir).scanned_records < records) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// A writer that sleeps out its flush interval while checks arrive faster than the interval
// lets it write must not drop them: 137 KiB checks at 52 MiB/s (within the limits) filled
// the 64 MiB of pending records in 1.2 s, and the oldest were dropped. Past half the byte
// bound the writer wakes, so a second burst finds the first one written.
TEST_F(FeedbackStoreTest, PendingCheckRecordsPastHalfTheByteBoundAreWrittenWithoutWaiting) {
  auto store = Open([](FeedbackStoreOptions& options) {
    options.check_max_pending_bytes = 64 * 1024;
    options.check_flush_interval_ms = 3'600'000;  // and the injected clock stands still
  });
  for (int i = 0; i < 10; ++i) {  // ~40 KiB: past half the bound, within it
    store->RecordCheck("ck-" + std::to_string(i), now_ms_,
                       Request(std::to_string(i) + std::string(4000, 'x')));
  }
  // The writer wakes when the 8th or 9th record (by its serialized size) passes half the
  // bound, and may take its batch before the rest arrive: at least 8 are written, not all 10.
  EXPECT_TRUE(WaitForStoredChecks(dir_.path(), 8)) << "the writer did not wake";
  for (int i = 10; i < 20; ++i) {  // together with the first burst, past the bound
    store->RecordCheck("ck-" + std::to_string(i), now_ms_,
                       Request(std::to_string(i) + std::string(4000, 'x')));
  }
  EXPECT_EQ(store->dropped_check_records(), 0u);
  for (int i = 0; i < 20; ++i) {
    FeedbackSubmission report;
    report.site_id = "blog";
    report.check_id = "ck-" + std::to_string(i);
    EXPECT_TRUE(SubmitAndWait(*store, report).ok()) << report.check_id;
  }
}

// A store as schema version 1 wrote it (its migration, written out: the fixture is the old
// file format and must not follow later edits of the code), holding `checks` check records
// ck-0, ck-1, ... of ~1 KB each, one millisecond apart from `first_ms`.
void WriteVersion1Store(const std::string& data_dir, int checks, int64_t first_ms) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(DatabasePath(data_dir).c_str(), &db), SQLITE_OK);
  const char* schema =
      "CREATE TABLE feedback (id INTEGER PRIMARY KEY, feedback_id TEXT NOT NULL UNIQUE,"
      " site_id TEXT NOT NULL, check_id TEXT NOT NULL, label INTEGER NOT NULL,"
      " reporter TEXT NOT NULL, reported_at_ms INTEGER NOT NULL, dedup_key TEXT NOT NULL,"
      " request BLOB NOT NULL);"
      "CREATE UNIQUE INDEX feedback_dedup ON feedback(dedup_key, label);"
      "CREATE INDEX feedback_reported_at ON feedback(reported_at_ms);"
      "CREATE TABLE checks (check_id TEXT PRIMARY KEY, checked_at_ms INTEGER NOT NULL,"
      " request BLOB NOT NULL);"
      "CREATE INDEX checks_checked_at ON checks(checked_at_ms);"
      "PRAGMA user_version = 1;"
      "BEGIN;";
  ASSERT_EQ(sqlite3_exec(db, schema, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_stmt* insert = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT INTO checks VALUES(?, ?, ?)", -1, &insert, nullptr),
            SQLITE_OK);
  for (int i = 0; i < checks; ++i) {
    spamguard::v1::CheckCommentRequest request;
    request.set_site_id("blog");
    request.mutable_comment()->set_content(std::to_string(i) + std::string(1000, 'x'));
    const std::string bytes = request.SerializeAsString();
    const std::string check_id = "ck-" + std::to_string(i);
    sqlite3_reset(insert);
    sqlite3_bind_text(insert, 1, check_id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert, 2, first_ms + i);
    sqlite3_bind_blob(insert, 3, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(insert), SQLITE_DONE);
  }
  sqlite3_finalize(insert);
  EXPECT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

// The running totals the byte and count bounds read must equal what is stored, through
// inserts, a check id recorded twice with different sizes, and every kind of prune.
TEST_F(FeedbackStoreTest, CheckTotalsFollowInsertsRewritesAndPrunes) {
  int64_t expected_bytes = 0;
  {
    auto store = Open();
    for (int i = 0; i < 8; ++i) {
      const auto request = Request(std::string(static_cast<size_t>(100 * (i + 1)), 'x'));
      store->RecordCheck("ck-" + std::to_string(i), now_ms_ + i, request);
      if (i != 3) expected_bytes += static_cast<int64_t>(request.SerializeAsString().size());
    }
    const auto rewritten = Request(std::string(2000, 'y'));
    store->RecordCheck("ck-3", now_ms_ + 3, rewritten);  // the later record wins
    expected_bytes += static_cast<int64_t>(rewritten.SerializeAsString().size());
  }
  CountedChecks counted = CountChecks(dir_.path());
  EXPECT_EQ(counted.scanned_records, 8);
  EXPECT_EQ(counted.scanned_bytes, expected_bytes);
  EXPECT_EQ(counted.totals_records, counted.scanned_records);
  EXPECT_EQ(counted.totals_bytes, counted.scanned_bytes);

  {
    auto store = Open([](FeedbackStoreOptions& options) { options.check_max_records = 5; });
  }
  counted = CountChecks(dir_.path());
  EXPECT_EQ(counted.scanned_records, 5);
  EXPECT_EQ(counted.totals_records, 5);
  EXPECT_EQ(counted.totals_bytes, counted.scanned_bytes);

  {
    auto store = Open([](FeedbackStoreOptions& options) { options.check_max_bytes = 1500; });
  }
  counted = CountChecks(dir_.path());
  EXPECT_LE(counted.scanned_bytes, 1500);
  EXPECT_GT(counted.scanned_records, 0);
  EXPECT_EQ(counted.totals_records, counted.scanned_records);
  EXPECT_EQ(counted.totals_bytes, counted.scanned_bytes);

  now_ms_ += 8 * kDayMs;
  {
    auto store = Open();  // past the 7-day retention
  }
  counted = CountChecks(dir_.path());
  EXPECT_EQ(counted.scanned_records, 0);
  EXPECT_EQ(counted.totals_records, 0);
  EXPECT_EQ(counted.totals_bytes, 0);
}

// The byte bound holds while the server runs, not only from one start to the next: the
// write that takes the store past it also trims the oldest records.
TEST_F(FeedbackStoreTest, AWritePastTheByteBoundTrimsTheOldestRightAway) {
  auto store = Open([](FeedbackStoreOptions& options) { options.check_max_bytes = 2500; });
  for (int i = 0; i < 6; ++i) {
    store->RecordCheck("ck-" + std::to_string(i), now_ms_ + i,
                       Request(std::to_string(i) + std::string(1000, 'x')));
  }
  FeedbackSubmission newest;  // its transaction writes the pending check records first
  newest.site_id = "blog";
  newest.check_id = "ck-5";
  EXPECT_TRUE(SubmitAndWait(*store, newest).ok());
  FeedbackSubmission oldest;
  oldest.site_id = "blog";
  oldest.check_id = "ck-1";
  EXPECT_EQ(SubmitAndWait(*store, oldest).status().code(), Status::Code::kNotFound);
  FeedbackSubmission kept;
  kept.site_id = "blog";
  kept.check_id = "ck-4";
  EXPECT_TRUE(SubmitAndWait(*store, kept).ok());
}

// Totals that read too high (edited by hand, or bumped by an older server writing to the
// same file) are counted again instead of emptying the table on every prune.
TEST_F(FeedbackStoreTest, TotalsThatReadTooHighAreCountedAgainNotObeyed) {
  {
    auto store = Open();
    for (int i = 0; i < 6; ++i) {
      store->RecordCheck("ck-" + std::to_string(i), now_ms_ + i,
                         Request(std::to_string(i) + std::string(1000, 'x')));
    }
  }
  // Bytes too high by more than is stored (the byte prune finds the table's end), then
  // records too high by more than are stored (the count prune finds nothing beyond).
  for (const char* tamper : {"UPDATE check_totals SET bytes = bytes + 2000000000",
                             "UPDATE check_totals SET records = records + 1000000"}) {
    SCOPED_TRACE(tamper);
    ASSERT_TRUE(ExecOnStore(dir_.path(), tamper));
    {
      auto store = Open([](FeedbackStoreOptions& options) {
        options.check_max_records = 1000000;
        options.check_max_bytes = 1000000000;
      });
      FeedbackSubmission first;
      first.site_id = "blog";
      first.check_id = "ck-0";
      first.reporter = tamper;
      EXPECT_TRUE(SubmitAndWait(*store, first).ok());
    }
    const CountedChecks counted = CountChecks(dir_.path());
    EXPECT_EQ(counted.scanned_records, 6);
    EXPECT_EQ(counted.totals_records, 6);
    EXPECT_EQ(counted.totals_bytes, counted.scanned_bytes);
  }

  ASSERT_TRUE(ExecOnStore(dir_.path(), "DELETE FROM check_totals"));  // a missing row
  {
    auto store = Open([](FeedbackStoreOptions& options) { options.check_max_records = 4; });
  }
  const CountedChecks counted = CountChecks(dir_.path());
  EXPECT_EQ(counted.scanned_records, 4);
  EXPECT_EQ(counted.totals_records, 4);
  EXPECT_EQ(counted.totals_bytes, counted.scanned_bytes);
}

// The same on a table larger than one prune batch (4,096 records): a total too high by
// more than is stored must be counted again before the first batch is deleted, not after
// the table is down to its last partial batch.
TEST_F(FeedbackStoreTest, ATotalTooHighNeverEmptiesALargeTable) {
  WriteVersion1Store(dir_.path(), 5000, now_ms_);
  { auto store = Open(); }  // upgrades and counts
  ASSERT_TRUE(ExecOnStore(dir_.path(), "UPDATE check_totals SET bytes = bytes + 2000000000"));
  {
    auto store = Open([](FeedbackStoreOptions& options) { options.check_max_bytes = 1000000000; });
  }
  const CountedChecks counted = CountChecks(dir_.path());
  EXPECT_EQ(counted.scanned_records, 5000);
  EXPECT_EQ(counted.totals_records, 5000);
  EXPECT_EQ(counted.totals_bytes, counted.scanned_bytes);
}

// A store written by schema version 1 (no check_totals) is counted once when it is
// upgraded, and its bounds then hold as for a new store.
TEST_F(FeedbackStoreTest, AVersion1StoreIsCountedOnUpgradeAndThenBounded) {
  WriteVersion1Store(dir_.path(), 6, now_ms_);
  auto store = Open([](FeedbackStoreOptions& options) { options.check_max_bytes = 2500; });
  FeedbackSubmission newest;
  newest.site_id = "blog";
  newest.check_id = "ck-5";
  EXPECT_TRUE(SubmitAndWait(*store, newest).ok());  // two ~1 KB records fit
  FeedbackSubmission older;
  older.site_id = "blog";
  older.check_id = "ck-3";
  EXPECT_EQ(SubmitAndWait(*store, older).status().code(), Status::Code::kNotFound);
  store.reset();
  const CountedChecks counted = CountChecks(dir_.path());
  EXPECT_EQ(counted.scanned_records, 2);
  EXPECT_EQ(counted.totals_records, 2);
  EXPECT_EQ(counted.totals_bytes, counted.scanned_bytes);
}

// The reader reads only the feedback table, the same in versions 1 and 2: the CLI works on
// a store the server has not upgraded yet.
TEST_F(FeedbackStoreTest, TheReaderReadsAVersion1Store) {
  WriteVersion1Store(dir_.path(), 1, now_ms_);
  auto reader = FeedbackReader::Open(dir_.path());
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  auto stats = (*reader)->Stats(FeedbackFilter{});
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(stats->all.total(), 0u);
}

TEST_F(FeedbackStoreTest, ChecksOlderThanTheRetentionCannotBeResolved) {
  auto store = Open();
  store->RecordCheck("ck-old", now_ms_, Request("old"));
  now_ms_ += 8 * kDayMs;
  FeedbackSubmission submission;
  submission.site_id = "blog";
  submission.check_id = "ck-old";
  auto outcome = SubmitAndWait(*store, submission);
  EXPECT_EQ(outcome.status().code(), Status::Code::kNotFound);
}

// The retention is stated as configured, not in whole hours rounded down (retention_hours:
// 0.5 said "kept 0 hours"), and the message names the counter of records lost to overload.
TEST_F(FeedbackStoreTest, AnUnknownCheckIdIsNotFoundStatingTheRetentionAndTheDropCounter) {
  for (const auto& [retention, kept] : {std::pair<int64_t, const char*>{1'800'000, "30 minutes"},
                                        {7 * kDayMs, "168 hours"},
                                        {3'600'000, "1 hour"}}) {
    const int64_t retention_ms = retention;
    auto store =
        Open([&](FeedbackStoreOptions& options) { options.check_retention_ms = retention_ms; });
    FeedbackSubmission submission;
    submission.site_id = "blog";
    submission.check_id = "ck-unknown";
    const auto outcome = SubmitAndWait(*store, submission);
    EXPECT_EQ(outcome.status().code(), Status::Code::kNotFound);
    EXPECT_THAT(outcome.status().message(),
                ::testing::HasSubstr(std::string("checks are kept ") + kept + ","));
    EXPECT_THAT(outcome.status().message(), ::testing::HasSubstr("check_records_dropped"));
  }
}

TEST_F(FeedbackStoreTest, StatsAndExportFilterBySiteAndTime) {
  auto store = Open();
  for (const char* site : {"a", "b", "b"}) {
    FeedbackSubmission submission;
    submission.site_id = site;
    submission.request = Request(std::string("text at ") + std::to_string(now_ms_.load()));
    submission.label = FeedbackLabel::kSpam;
    ASSERT_TRUE(SubmitAndWait(*store, submission).ok());
    now_ms_ += kDayMs;
  }
  EXPECT_EQ(store->counts().spam, 3u);
  store.reset();
  auto reader = FeedbackReader::Open(dir_.path());
  ASSERT_TRUE(reader.ok());
  auto all = (*reader)->Stats();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->all.spam, 3u);
  EXPECT_EQ(all->by_site["b"].spam, 2u);
  FeedbackFilter recent;
  recent.since_ms = 101 * kDayMs;
  recent.site_id = "b";
  auto filtered = (*reader)->Stats(recent);
  ASSERT_TRUE(filtered.ok());
  EXPECT_EQ(filtered->all.total(), 2u);
  recent.since_ms = 102 * kDayMs;
  int exported = 0;
  ASSERT_TRUE((*reader)
                  ->ForEach(recent,
                            [&](const FeedbackReport& report) {
                              EXPECT_EQ(TrainingRecord(report)["label"], "spam");
                              ++exported;
                              return true;
                            })
                  .ok());
  EXPECT_EQ(exported, 1);
}

TEST_F(FeedbackStoreTest, ReaderRefusesADirectoryWithoutAStore) {
  auto reader = FeedbackReader::Open(dir_.path());
  EXPECT_EQ(reader.status().code(), Status::Code::kNotFound);
}

TEST_F(FeedbackStoreTest, ConcurrentReportsAreAllStored) {
  auto store = Open();
  std::vector<std::future<Result<FeedbackOutcome>>> results;
  std::vector<std::shared_ptr<std::promise<Result<FeedbackOutcome>>>> promises;
  for (int i = 0; i < 500; ++i) {
    auto promise = std::make_shared<std::promise<Result<FeedbackOutcome>>>();
    results.push_back(promise->get_future());
    FeedbackSubmission submission;
    submission.request = Request("report " + std::to_string(i));
    store->Submit(submission, [promise](Result<FeedbackOutcome> r) { promise->set_value(r); });
  }
  for (auto& result : results) EXPECT_TRUE(result.get().ok());
  EXPECT_EQ(store->counts().spam, 500u);
}

// A full disk, made by capping the database at 256 KiB. The writer is held inside the first
// report's callback (callbacks run on the writer thread) while 20 reports of ~20 KB are
// queued, so all 20 go into one transaction, which runs out of room part-way through. On
// SQLITE_FULL SQLite rolls that transaction back by itself; the reports after the failure
// must not then be inserted one by one outside it.
TEST_F(FeedbackStoreTest, ABatchThatFillsTheDiskStoresNoneOfItsReports) {
  auto store = Open([](FeedbackStoreOptions& options) { options.max_database_bytes = 256 * 1024; });
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<Result<FeedbackOutcome>> first;
  FeedbackSubmission gate;
  gate.request = Request("the first report");
  store->Submit(gate, [&first, released](Result<FeedbackOutcome> r) {
    first.set_value(r);
    released.wait();
  });
  const Result<FeedbackOutcome> first_result = first.get_future().get();

  std::vector<std::shared_ptr<std::promise<Result<FeedbackOutcome>>>> promises;
  for (int i = 0; i < 20; ++i) {
    auto promise = std::make_shared<std::promise<Result<FeedbackOutcome>>>();
    promises.push_back(promise);
    FeedbackSubmission submission;
    submission.request = Request(std::to_string(i) + std::string(20'000, 'x'));
    submission.label = FeedbackLabel::kHam;
    store->Submit(submission, [promise](Result<FeedbackOutcome> r) { promise->set_value(r); });
  }
  release.set_value();
  EXPECT_TRUE(first_result.ok()) << first_result.status().message();
  for (auto& promise : promises) {
    const Result<FeedbackOutcome> result = promise->get_future().get();
    EXPECT_EQ(result.status().code(), Status::Code::kResourceExhausted);
    EXPECT_THAT(result.status().message(), ::testing::HasSubstr("the feedback store is full"));
  }
  EXPECT_EQ(store->counts().ham, 0u);

  // The failed batch left no transaction open: the next report is stored.
  FeedbackSubmission small;
  small.request = Request("a small report");
  small.label = FeedbackLabel::kHam;
  const Result<FeedbackOutcome> after = SubmitAndWait(*store, small);
  EXPECT_TRUE(after.ok()) << after.status().message();
  const LabelCounts counted = store->counts();
  store.reset();

  auto reader = FeedbackReader::Open(dir_.path());
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  const Result<FeedbackStats> stored = (*reader)->Stats();
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  EXPECT_EQ(stored->all.spam, 1u);  // the first report
  EXPECT_EQ(stored->all.ham, 1u);   // the small one, none of the batch
  EXPECT_EQ(counted.spam, stored->all.spam);
  EXPECT_EQ(counted.ham, stored->all.ham);
}

// A batch of check records alone has no caller to tell: losing it must reach the log.
TEST_F(FeedbackStoreTest, CheckRecordsLostToAFullDiskAreLogged) {
  ::testing::internal::CaptureStderr();
  {
    auto store =
        Open([](FeedbackStoreOptions& options) { options.max_database_bytes = 256 * 1024; });
    for (int i = 0; i < 20; ++i) {
      store->RecordCheck("ck-" + std::to_string(i), now_ms_,
                         Request(std::to_string(i) + std::string(20'000, 'x')));
    }
  }  // closing writes the pending records in one batch, which does not fit
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, ::testing::HasSubstr("lost 20 check records"));
  EXPECT_THAT(log, ::testing::HasSubstr("full"));
}

// The default site (empty site_id) is a site like the others, not a wildcard: it resolves its
// own checks and no other site's.
TEST_F(FeedbackStoreTest, AnEmptySiteIdResolvesOnlyChecksOfTheDefaultSite) {
  auto store = Open();
  store->RecordCheck("ck-blog", now_ms_, Request("the blog's comment"));  // site "blog"
  auto default_site_request = Request("the default site's comment");
  default_site_request.clear_site_id();
  store->RecordCheck("ck-default", now_ms_, default_site_request);

  FeedbackSubmission on_blog_check;
  on_blog_check.check_id = "ck-blog";
  EXPECT_EQ(SubmitAndWait(*store, on_blog_check).status().code(), Status::Code::kNotFound);

  FeedbackSubmission on_own_check;
  on_own_check.check_id = "ck-default";
  const Result<FeedbackOutcome> own = SubmitAndWait(*store, on_own_check);
  EXPECT_TRUE(own.ok()) << own.status().message();

  FeedbackSubmission from_blog;
  from_blog.site_id = "blog";
  from_blog.check_id = "ck-default";
  EXPECT_EQ(SubmitAndWait(*store, from_blog).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store->counts().total(), 1u);
}

FeedbackSubmission ContentReport(const std::string& site_id, const std::string& content) {
  FeedbackSubmission submission;
  submission.site_id = site_id;
  submission.request.emplace();
  submission.request->set_site_id(site_id);
  submission.request->mutable_comment()->set_content(content);
  return submission;
}

TEST_F(FeedbackStoreTest, TheSameContentFromAnotherSiteIsANewReport) {
  auto store = Open();
  const Result<FeedbackOutcome> first = SubmitAndWait(*store, ContentReport("a", "cheap pills"));
  ASSERT_TRUE(first.ok()) << first.status().message();
  const Result<FeedbackOutcome> other = SubmitAndWait(*store, ContentReport("b", "cheap pills"));
  ASSERT_TRUE(other.ok()) << other.status().message();
  EXPECT_FALSE(other->duplicate);
  EXPECT_NE(other->feedback_id, first->feedback_id);
  const Result<FeedbackOutcome> again = SubmitAndWait(*store, ContentReport("a", "cheap pills"));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->feedback_id, first->feedback_id);
  EXPECT_EQ(store->counts().spam, 2u);
}

// Content keys without the site, as stores wrote them before keys named the site (the key
// format written out: the fixture is the old file content). Such a report is still a
// duplicate for the site that stored it, and for no other.
TEST_F(FeedbackStoreTest, AReportStoredWithASitelessKeyIsADuplicateOnlyForItsSite) {
  { auto store = Open(); }
  const std::string content = "cheap pills";
  char siteless_key[64];
  std::snprintf(siteless_key, sizeof siteless_key, "content:%016llx:%zu",
                static_cast<unsigned long long>(Fnv1a64(content)), content.size());
  ASSERT_TRUE(ExecOnStore(dir_.path(),
                          "INSERT INTO feedback(feedback_id, site_id, check_id, label, reporter, "
                          "reported_at_ms, dedup_key, request) VALUES('fb-stored-before', 'a', "
                          "'', 1, '', 0, '" +
                              std::string(siteless_key) + "', x'')"));
  auto store = Open();
  const Result<FeedbackOutcome> same_site = SubmitAndWait(*store, ContentReport("a", content));
  ASSERT_TRUE(same_site.ok()) << same_site.status().message();
  EXPECT_TRUE(same_site->duplicate);
  EXPECT_EQ(same_site->feedback_id, "fb-stored-before");
  const Result<FeedbackOutcome> other_site = SubmitAndWait(*store, ContentReport("b", content));
  ASSERT_TRUE(other_site.ok()) << other_site.status().message();
  EXPECT_FALSE(other_site->duplicate);
  EXPECT_EQ(store->counts().spam, 2u);
}

// Every Submit's outcome, kept until the test reads it, and what counts() said when the
// outcome arrived (callbacks run after their batch's commit, so one value per transaction).
class Outcomes {
 public:
  explicit Outcomes(FeedbackStore& store) : store_(store) {}

  // Submits and returns the index of the outcome.
  size_t Submit(FeedbackSubmission submission) {
    auto promise = std::make_shared<std::promise<Result<FeedbackOutcome>>>();
    futures_.push_back(promise->get_future());
    store_.Submit(std::move(submission), [this, promise](Result<FeedbackOutcome> result) {
      {
        std::lock_guard lock(mutex_);
        ham_counts_seen_.insert(store_.counts().ham);
      }
      promise->set_value(std::move(result));
    });
    return futures_.size() - 1;
  }
  // Whether the outcome has arrived already.
  bool Arrived(size_t index) {
    return futures_[index].wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }
  Result<FeedbackOutcome> Get(size_t index) { return futures_[index].get(); }
  std::set<uint64_t> HamCountsSeen() {
    std::lock_guard lock(mutex_);
    return ham_counts_seen_;
  }

 private:
  FeedbackStore& store_;
  std::vector<std::future<Result<FeedbackOutcome>>> futures_;
  std::mutex mutex_;
  std::set<uint64_t> ham_counts_seen_;
};

FeedbackSubmission HamReport(const std::string& content) {
  FeedbackSubmission submission = ContentReport("blog", content);
  submission.label = FeedbackLabel::kHam;
  return submission;
}

// content -> how many stored reports carry it.
std::map<std::string, int> StoredContents(const std::string& data_dir) {
  std::map<std::string, int> contents;
  auto reader = FeedbackReader::Open(data_dir);
  EXPECT_TRUE(reader.ok()) << reader.status().message();
  if (!reader.ok()) return contents;
  const Status status = (*reader)->ForEach({}, [&](const FeedbackReport& report) {
    ++contents[report.request.comment().content()];
    return true;
  });
  EXPECT_TRUE(status.ok()) << status.message();
  return contents;
}

// Each waiting report holds its whole comment (up to 256 KiB): a flood, or a disk that does
// not keep up, must not pile them up in memory. Past the bound the caller hears at once.
TEST_F(FeedbackStoreTest, AReportBeyondTheWaitingCountIsRefusedAtOnceAskingForBackOff) {
  auto store = Open([](FeedbackStoreOptions& options) { options.report_max_pending = 3; });
  Outcomes outcomes(*store);
  std::vector<size_t> waiting;
  {
    BusyWriter busy(*store);
    for (int i = 0; i < 3; ++i) waiting.push_back(outcomes.Submit(HamReport(std::to_string(i))));
    const size_t refused = outcomes.Submit(HamReport("one too many"));
    ASSERT_TRUE(outcomes.Arrived(refused)) << "the refusal waited for the writer";
    const Result<FeedbackOutcome> result = outcomes.Get(refused);
    EXPECT_EQ(result.status().code(), Status::Code::kResourceExhausted);
    EXPECT_THAT(result.status().message(),
                ::testing::HasSubstr("the queue of feedback reports waiting to be written is "
                                     "full (3 reports of at most 3"));
    EXPECT_THAT(result.status().message(), ::testing::HasSubstr("retry with back-off"));
  }
  for (size_t index : waiting) {
    const Result<FeedbackOutcome> result = outcomes.Get(index);
    EXPECT_TRUE(result.ok()) << result.status().message();
  }
  // Once written, they no longer count against the bound.
  EXPECT_TRUE(SubmitAndWait(*store, HamReport("after the backlog")).ok());
  EXPECT_EQ(store->counts().ham, 4u);
}

TEST_F(FeedbackStoreTest, AReportBeyondTheWaitingBytesIsRefusedAtOnce) {
  auto store =
      Open([](FeedbackStoreOptions& options) { options.report_max_pending_bytes = 50'000; });
  Outcomes outcomes(*store);
  BusyWriter busy(*store);
  const size_t first = outcomes.Submit(HamReport("1" + std::string(20'000, 'x')));
  const size_t second = outcomes.Submit(HamReport("2" + std::string(20'000, 'x')));
  const size_t refused = outcomes.Submit(HamReport("3" + std::string(20'000, 'x')));
  ASSERT_TRUE(outcomes.Arrived(refused)) << "the refusal waited for the writer";
  EXPECT_FALSE(outcomes.Arrived(first));
  EXPECT_FALSE(outcomes.Arrived(second));
  const Result<FeedbackOutcome> result = outcomes.Get(refused);
  EXPECT_EQ(result.status().code(), Status::Code::kResourceExhausted);
  EXPECT_THAT(result.status().message(), ::testing::HasSubstr("bytes of at most 50000"));
  busy.Release();
  EXPECT_TRUE(outcomes.Get(first).ok());
  EXPECT_TRUE(outcomes.Get(second).ok());
}

// Otherwise its every retry would be refused.
TEST_F(FeedbackStoreTest, AReportLargerThanTheByteBoundIsTakenWhenNoneWaits) {
  auto store = Open([](FeedbackStoreOptions& options) { options.report_max_pending_bytes = 1000; });
  Outcomes outcomes(*store);
  BusyWriter busy(*store);
  const size_t large = outcomes.Submit(HamReport(std::string(20'000, 'x')));
  const size_t behind_it = outcomes.Submit(HamReport("small"));
  EXPECT_FALSE(outcomes.Arrived(large));
  ASSERT_TRUE(outcomes.Arrived(behind_it));
  EXPECT_EQ(outcomes.Get(behind_it).status().code(), Status::Code::kResourceExhausted);
  busy.Release();
  const Result<FeedbackOutcome> result = outcomes.Get(large);
  EXPECT_TRUE(result.ok()) << result.status().message();
}

// A backlog is not one huge transaction: each reply still waits only for its own batch's
// COMMIT, and each report is stored once.
TEST_F(FeedbackStoreTest, ABacklogIsCommittedInBatchesOfAtMostTheBatchCount) {
  auto store = Open([](FeedbackStoreOptions& options) { options.report_max_batch = 10; });
  Outcomes outcomes(*store);
  {
    BusyWriter busy(*store);
    for (int i = 0; i < 25; ++i) outcomes.Submit(HamReport("report " + std::to_string(i)));
  }
  for (size_t i = 0; i < 25; ++i) {
    const Result<FeedbackOutcome> result = outcomes.Get(i);
    ASSERT_TRUE(result.ok()) << result.status().message();
    EXPECT_FALSE(result->duplicate);
  }
  // Three commits, in order: 10, 20, then 25 reports stored.
  EXPECT_EQ(outcomes.HamCountsSeen(), (std::set<uint64_t>{10, 20, 25}));
  store.reset();
  const std::map<std::string, int> stored = StoredContents(dir_.path());
  for (int i = 0; i < 25; ++i) EXPECT_EQ(stored.at("report " + std::to_string(i)), 1) << i;
  EXPECT_EQ(stored.size(), 26u);  // and the busy writer's own report
}

TEST_F(FeedbackStoreTest, ABacklogIsCommittedInBatchesOfAtMostTheBatchBytes) {
  auto store = Open([](FeedbackStoreOptions& options) { options.report_max_batch_bytes = 50'000; });
  Outcomes outcomes(*store);
  {
    BusyWriter busy(*store);
    for (int i = 0; i < 5; ++i) {
      outcomes.Submit(HamReport(std::to_string(i) + std::string(20'000, 'x')));
    }
  }
  for (size_t i = 0; i < 5; ++i) EXPECT_TRUE(outcomes.Get(i).ok()) << i;
  EXPECT_EQ(outcomes.HamCountsSeen(), (std::set<uint64_t>{2, 4, 5}));
}

TEST_F(FeedbackStoreTest, DuplicatesAreFoundWithinABatchAndAcrossBatches) {
  auto store = Open([](FeedbackStoreOptions& options) { options.report_max_batch = 2; });
  Outcomes outcomes(*store);
  {
    BusyWriter busy(*store);
    outcomes.Submit(HamReport("again"));  // batch 1
    outcomes.Submit(HamReport("again"));  // batch 1: a duplicate of the first
    outcomes.Submit(HamReport("other"));  // batch 2
    outcomes.Submit(HamReport("again"));  // batch 2: a duplicate from an earlier batch
  }
  std::vector<Result<FeedbackOutcome>> results;
  for (size_t i = 0; i < 4; ++i) {
    results.push_back(outcomes.Get(i));
    ASSERT_TRUE(results[i].ok()) << results[i].status().message();
  }
  EXPECT_FALSE(results[0]->duplicate);
  EXPECT_TRUE(results[1]->duplicate);
  EXPECT_EQ(results[1]->feedback_id, results[0]->feedback_id);
  EXPECT_FALSE(results[2]->duplicate);
  EXPECT_TRUE(results[3]->duplicate);
  EXPECT_EQ(results[3]->feedback_id, results[0]->feedback_id);
  EXPECT_EQ(outcomes.HamCountsSeen(), (std::set<uint64_t>{1, 2}));
  EXPECT_EQ(store->counts().ham, 2u);
}

// The prune interval is steady-clock time. On the wall clock, a step back of a day (an NTP
// correction, a VM restored from a snapshot) stopped the prunes for that day, and the stored
// check records outgrew their bounds meanwhile.
TEST_F(FeedbackStoreTest, CheckRecordsAreStillPrunedAfterTheWallClockStepsBack) {
  std::atomic<int64_t> wall_clock_step_ms{0};
  auto store = Open([&wall_clock_step_ms](FeedbackStoreOptions& options) {
    options.check_flush_interval_ms = 10;
    options.check_prune_interval_ms = 20;
    options.check_max_records = 2;
    options.now_ms = [&wall_clock_step_ms] { return UnixNowMs() + wall_clock_step_ms.load(); };
  });
  // Waits (at most 10 s) until the prunes have left at most max_records.
  auto pruned = [this] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (CountChecks(dir_.path()).scanned_records > 2) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  };
  for (int i = 0; i < 5; ++i) {
    store->RecordCheck("ck-before-" + std::to_string(i), UnixNowMs() + i, Request("before"));
  }
  ASSERT_TRUE(WaitForStoredChecks(dir_.path(), 1));
  wall_clock_step_ms = -kDayMs;
  // Stamped later than the first ones, so the count bound keeps ck-after-3 and ck-after-4.
  for (int i = 0; i < 5; ++i) {
    store->RecordCheck("ck-after-" + std::to_string(i), UnixNowMs() + 1000 + i, Request("after"));
  }
  FeedbackSubmission report;  // its transaction writes the pending check records first
  report.site_id = "blog";
  report.check_id = "ck-after-4";
  const Result<FeedbackOutcome> reported = SubmitAndWait(*store, report);
  ASSERT_TRUE(reported.ok()) << reported.status().message();
  EXPECT_TRUE(pruned()) << "no prune within 10 s of the step";
}

}  // namespace
}  // namespace spamguard::server
