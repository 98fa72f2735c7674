#include "server/check_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>

namespace spamguard::server {
namespace {

TEST(CheckQueueTest, EveryAcceptedJobRunsExactlyOnceEvenWhenTheQueueIsDestroyed) {
  std::atomic<int> runs{0};
  {
    CheckQueue queue(2, 1000);
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(queue.TrySubmit([&runs] { ++runs; }));
  }  // the destructor runs what is still queued
  EXPECT_EQ(runs.load(), 1000);
}

TEST(CheckQueueTest, AFullQueueRefusesAJobWithoutRunningIt) {
  std::promise<void> started;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> runs{0};
  std::atomic<bool> refused_ran{false};
  {
    CheckQueue queue(1, 2);
    // The only worker takes this job and blocks in it, so the next two jobs wait.
    ASSERT_TRUE(queue.TrySubmit([&] {
      started.set_value();
      released.wait();
      ++runs;
    }));
    started.get_future().wait();
    EXPECT_TRUE(queue.TrySubmit([&runs] { ++runs; }));
    EXPECT_TRUE(queue.TrySubmit([&runs] { ++runs; }));
    EXPECT_FALSE(queue.TrySubmit([&refused_ran] { refused_ran = true; }));
    release.set_value();
  }
  EXPECT_EQ(runs.load(), 3);
  EXPECT_FALSE(refused_ran.load());
}

TEST(CheckQueueTest, ZeroWorkersOrCapacityMeanOne) {
  CheckQueue queue(0, 0);
  EXPECT_EQ(queue.workers(), 1u);
  EXPECT_EQ(queue.capacity(), 1u);
  std::promise<void> done;
  ASSERT_TRUE(queue.TrySubmit([&done] { done.set_value(); }));
  done.get_future().wait();
}

}  // namespace
}  // namespace spamguard::server
