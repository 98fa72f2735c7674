#include "server/random_id.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace spamguard::server {
namespace {

using ::testing::MatchesRegex;

TEST(RandomIdTest, IsThePrefixAnd32HexDigits) {
  EXPECT_THAT(RandomId("ck-"), MatchesRegex("ck-[0-9a-f]{32}"));
  EXPECT_THAT(RandomId(""), MatchesRegex("[0-9a-f]{32}"));
}

// 300 ids cross a refill of the 4 KiB buffer (256 ids each); none repeats, and the hex
// digits are all used (a buffer read past its end or never refilled would show).
TEST(RandomIdTest, IdsAcrossBufferRefillsAreDistinct) {
  std::set<std::string> seen;
  std::set<char> digits;
  for (int i = 0; i < 300; ++i) {
    const std::string id = RandomId("fb-");
    EXPECT_TRUE(seen.insert(id).second) << "repeated: " << id;
    digits.insert(id.begin() + 3, id.end());
  }
  EXPECT_EQ(digits.size(), 16u);
}

TEST(RandomIdTest, ThreadsDoNotShareIds) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 600;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids, t] {
      for (int i = 0; i < kPerThread; ++i) ids[t].push_back(RandomId("ck-"));
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& list : ids) all.insert(list.begin(), list.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace spamguard::server
