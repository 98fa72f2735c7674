#include "model/duplicate_window.h"

#include <gtest/gtest.h>

namespace spamguard {
namespace {

constexpr int64_t kMinute = 60 * 1000;

TEST(DuplicateWindowTest, CountsEarlierSightingsButNotTheCurrentOne) {
  DuplicateWindow window(60 * kMinute, 100);
  EXPECT_EQ(window.CountAndRecord("buy cheap pills", 1000, 10 * kMinute, true), 0);
  EXPECT_EQ(window.CountAndRecord("buy cheap pills", 2000, 10 * kMinute, true), 1);
  EXPECT_EQ(window.CountAndRecord("buy cheap pills", 3000, 10 * kMinute, true), 2);
  EXPECT_EQ(window.CountAndRecord("something else", 3000, 10 * kMinute, true), 0);
}

TEST(DuplicateWindowTest, WithoutRecordNothingIsRemembered) {
  DuplicateWindow window(60 * kMinute, 100);
  EXPECT_EQ(window.CountAndRecord("text", 1000, kMinute, false), 0);
  EXPECT_EQ(window.CountAndRecord("text", 2000, kMinute, false), 0);
  EXPECT_EQ(window.size(), 0u);
}

TEST(DuplicateWindowTest, OnlySightingsInsideWithinAreCounted) {
  DuplicateWindow window(60 * kMinute, 100);
  window.CountAndRecord("text", 0, kMinute, true);
  window.CountAndRecord("text", 5 * kMinute, kMinute, true);
  // At 10 minutes, a 6-minute look-back sees only the sighting at 5 minutes.
  EXPECT_EQ(window.CountAndRecord("text", 10 * kMinute, 6 * kMinute, false), 1);
  EXPECT_EQ(window.CountAndRecord("text", 10 * kMinute, 11 * kMinute, false), 2);
  // The interval is half-open: exactly within_ms ago is outside.
  EXPECT_EQ(window.CountAndRecord("text", 10 * kMinute, 5 * kMinute, false), 0);
}

TEST(DuplicateWindowTest, SightingsOlderThanRetentionAreDropped) {
  DuplicateWindow window(10 * kMinute, 100);
  window.CountAndRecord("text", 0, kMinute, true);
  window.CountAndRecord("other", 5 * kMinute, kMinute, true);
  EXPECT_EQ(window.size(), 2u);
  // A look-back longer than the retention cannot see what retention dropped.
  EXPECT_EQ(window.CountAndRecord("text", 11 * kMinute, 60 * kMinute, false), 0);
  EXPECT_EQ(window.size(), 1u);
}

TEST(DuplicateWindowTest, MaxEntriesEvictsTheOldestSighting) {
  DuplicateWindow window(60 * kMinute, 2);
  window.CountAndRecord("first", 1, kMinute, true);
  window.CountAndRecord("second", 2, kMinute, true);
  window.CountAndRecord("third", 3, kMinute, true);
  EXPECT_EQ(window.size(), 2u);
  EXPECT_EQ(window.CountAndRecord("first", 4, kMinute, false), 0);
  EXPECT_EQ(window.CountAndRecord("second", 4, kMinute, false), 1);
}

TEST(DuplicateWindowTest, OutOfOrderTimesAreCountedCorrectly) {
  DuplicateWindow window(60 * kMinute, 100);
  window.CountAndRecord("text", 9 * kMinute, kMinute, true);
  window.CountAndRecord("text", 2 * kMinute, kMinute, true);  // a late, slower thread
  EXPECT_EQ(window.CountAndRecord("text", 10 * kMinute, 2 * kMinute, false), 1);
  EXPECT_EQ(window.CountAndRecord("text", 10 * kMinute, 9 * kMinute, false), 2);
}

}  // namespace
}  // namespace spamguard
