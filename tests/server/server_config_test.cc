// The server's YAML config file: numeric settings must be positive, at least one unit once
// scaled, and fit their setting; a refused value names the file, line and key.
#include "server/server_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <string>

#include "tests/support/test_process.h"

namespace spamguard::server {
namespace {

Status LoadText(const std::string& text, ServerConfig* config) {
  testing::TempDir dir;
  const std::string path = dir.File("server.yaml");
  std::ofstream(path) << text;
  return LoadServerConfigFile(path, config);
}

// A directory given as --config used to be "config file not found".
TEST(ServerConfigTest, ADirectoryIsRefusedAsADirectoryAndAMissingFileAsMissing) {
  testing::TempDir dir;
  ServerConfig config;
  const Status directory = LoadServerConfigFile(dir.path(), &config);
  EXPECT_EQ(directory.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(directory.message(), dir.path() + ": is a directory, not a config file");
  const Status missing = LoadServerConfigFile(dir.File("nope.yaml"), &config);
  EXPECT_EQ(missing.code(), Status::Code::kNotFound);
  EXPECT_EQ(missing.message(), dir.File("nope.yaml") + ": config file not found");
}

TEST(ServerConfigTest, ScaledNumbersAreApplied) {
  ServerConfig config;
  ASSERT_TRUE(
      LoadText("check_records:\n  max_megabytes: 2\n  retention_hours: 0.5\n", &config).ok());
  EXPECT_EQ(config.check_max_bytes, 2u * 1024 * 1024);
  EXPECT_EQ(config.check_retention_ms, 1'800'000);
  EXPECT_EQ(config.feedback_store_max_bytes, 8ULL << 30);  // the default
  ASSERT_TRUE(LoadText("feedback_store:\n  max_megabytes: 3\n", &config).ok());
  EXPECT_EQ(config.feedback_store_max_bytes, 3u * 1024 * 1024);
  EXPECT_EQ(config.feedback_max_queued_reports, 10'000u);  // the defaults
  EXPECT_EQ(config.feedback_max_queued_bytes, 64u << 20);
  ASSERT_TRUE(
      LoadText("feedback_store:\n  max_queued_reports: 50\n  max_queued_megabytes: 0.5\n", &config)
          .ok());
  EXPECT_EQ(config.feedback_max_queued_reports, 50u);
  EXPECT_EQ(config.feedback_max_queued_bytes, 512u * 1024);
  EXPECT_EQ(config.check_max_queued, 100'000u);  // the defaults
  EXPECT_EQ(config.check_max_queued_bytes, 64u << 20);
  ASSERT_TRUE(
      LoadText("check_records:\n  max_queued: 7\n  max_queued_megabytes: 2\n", &config).ok());
  EXPECT_EQ(config.check_max_queued, 7u);
  EXPECT_EQ(config.check_max_queued_bytes, 2u << 20);
}

TEST(ServerConfigTest, NumbersOutsideTheirSettingsRangeAreRefusedByKey) {
  const struct {
    const char* text;
    const char* key;
  } cases[] = {
      {"check_records:\n  max_megabytes: 1e300\n", "check_records.max_megabytes"},
      {"check_records:\n  max_records: 1e20\n", "check_records.max_records"},
      {"connections:\n  max_concurrent_streams: 3e9\n", "connections.max_concurrent_streams"},
      {"connections:\n  max_concurrent_streams: 0.5\n", "connections.max_concurrent_streams"},
      {"limits:\n  content_bytes: 0\n", "limits.content_bytes"},
      {"feedback_store:\n  max_megabytes: 0\n", "feedback_store.max_megabytes"},
      {"feedback_store:\n  max_megabytes: 1e300\n", "feedback_store.max_megabytes"},
      {"feedback_store:\n  max_queued_reports: 0\n", "feedback_store.max_queued_reports"},
      {"feedback_store:\n  max_queued_reports: 1e30\n", "feedback_store.max_queued_reports"},
      {"feedback_store:\n  max_queued_megabytes: -1\n", "feedback_store.max_queued_megabytes"},
      {"check_records:\n  max_queued: 0\n", "check_records.max_queued"},
      {"check_records:\n  max_queued_megabytes: 1e300\n", "check_records.max_queued_megabytes"},
  };
  for (const auto& c : cases) {
    ServerConfig config;
    const Status status = LoadText(c.text, &config);
    EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << c.text;
    EXPECT_NE(status.message().find(c.key), std::string::npos) << status.message();
  }
}

// Check records share the file and are trimmed only past their own cap: a file cap no larger
// would let them fill it, and every report would then be refused as full.
TEST(ServerConfigTest, AFeedbackStoreCapNotAboveTheCheckRecordsCapIsRefusedNamingBoth) {
  const struct {
    const char* text;
    const char* feedback_megabytes;
    const char* check_megabytes;
  } cases[] = {
      {"check_records:\n  max_megabytes: 2048\nfeedback_store:\n  max_megabytes: 1024\n", "1024",
       "2048"},
      {"check_records:\n  max_megabytes: 512\nfeedback_store:\n  max_megabytes: 512\n", "512",
       "512"},
      {"feedback_store:\n  max_megabytes: 100\n", "100", "1024"},   // the default check cap
      {"check_records:\n  max_megabytes: 9000\n", "8192", "9000"},  // the default file cap
  };
  for (const auto& c : cases) {
    ServerConfig config;
    const Status status = LoadText(c.text, &config);
    EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << c.text;
    EXPECT_THAT(
        status.message(),
        ::testing::HasSubstr(std::string("feedback_store.max_megabytes (") + c.feedback_megabytes +
                             ") must be larger than check_records.max_megabytes (" +
                             c.check_megabytes + ")"))
        << c.text;
  }
}

TEST(ServerConfigTest, AFeedbackStoreCapAboveTheCheckRecordsCapIsAccepted) {
  ServerConfig config;
  const Status status = LoadText(
      "check_records:\n  max_megabytes: 0.5\nfeedback_store:\n  max_megabytes: 1\n", &config);
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(config.check_max_bytes, 512u * 1024);
  EXPECT_EQ(config.feedback_store_max_bytes, 1024u * 1024);
}

// gRPC takes the message size as an int: 4294967296 would wrap to 0 and refuse every call.
TEST(ServerConfigTest, MessageBytesBeyondWhatGrpcTakesIsRefusedNamingTheKeyAndTheRange) {
  ServerConfig config;
  const Status status = LoadText("limits:\n  message_bytes: 4294967296\n", &config);
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(status.message().find("limits.message_bytes"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("2147483647"), std::string::npos) << status.message();
  EXPECT_FALSE(LoadText("limits:\n  message_bytes: 2147483648\n", &config).ok());
}

TEST(ServerConfigTest, MessageBytesUpToTheLargestIntIsAccepted) {
  ServerConfig config;
  ASSERT_TRUE(LoadText("limits:\n  message_bytes: 2147483647\n", &config).ok());
  EXPECT_EQ(config.limits.max_message_bytes, 2147483647u);
}

TEST(ServerConfigTest, CheckQueuePerWorkerIsApplied) {
  ServerConfig config;
  EXPECT_EQ(config.check_queue_per_worker, 64u);
  ASSERT_TRUE(LoadText("check_queue:\n  per_worker: 1000000\n", &config).ok());
  EXPECT_EQ(config.check_queue_per_worker, 1'000'000u);
}

TEST(ServerConfigTest, CheckQueuePerWorkerOutsideOneToAMillionIsRefusedNamingTheKeyAndTheRange) {
  for (const char* value : {"0", "0.5", "-1", "1000001", "1e30"}) {
    ServerConfig config;
    const Status status = LoadText(std::string("check_queue:\n  per_worker: ") + value, &config);
    EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << value;
    EXPECT_NE(status.message().find("check_queue.per_worker"), std::string::npos)
        << status.message();
    EXPECT_NE(status.message().find("1 to 1000000"), std::string::npos) << status.message();
    EXPECT_EQ(config.check_queue_per_worker, 64u) << value;
  }
}

// gRPC takes keepalive and connection-age times as an int of milliseconds: a larger value
// was clamped to INT_MAX, which gRPC reads as "no limit".
TEST(ServerConfigTest, ConnectionDurationsBeyondWhatGrpcTakesAreRefusedNamingTheKeyAndMaximum) {
  for (const char* key : {"keepalive_time_seconds", "keepalive_timeout_seconds",
                          "max_connection_age_seconds", "max_connection_age_grace_seconds"}) {
    const std::string setting = std::string("connections:\n  ") + key + ": ";
    ServerConfig config;
    const Status status = LoadText(setting + "2147484", &config);
    EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << key;
    EXPECT_NE(status.message().find(std::string("connections.") + key), std::string::npos)
        << status.message();
    EXPECT_NE(status.message().find("the maximum is 2147483"), std::string::npos)
        << status.message();
    EXPECT_FALSE(LoadText(setting + "1e300", &config).ok()) << key;
    EXPECT_TRUE(LoadText(setting + "2147483", &config).ok()) << key;
  }
  ServerConfig config;
  ASSERT_TRUE(LoadText("connections:\n  keepalive_time_seconds: 2147483\n", &config).ok());
  EXPECT_EQ(config.keepalive_time_ms, 2'147'483'000);
}

// A wait is added to a clock counting nanoseconds in an int64: 1e13 ms overflowed it (the
// watch interval wrapped into the past and spun a core).
TEST(ServerConfigTest, WaitsThatWouldOverflowTheClockAreRefusedNamingTheKeyAndMaximum) {
  const struct {
    const char* text;
    const char* key;
    const char* range;
  } cases[] = {
      {"shutdown:\n  drain_deadline_seconds: 1e10\n", "shutdown.drain_deadline_seconds",
       "the maximum is 1000000000"},
      {"shutdown:\n  drain_deadline_seconds: 9.3e9\n", "shutdown.drain_deadline_seconds",
       "the maximum is 1000000000"},
      {"model_watch:\n  interval_ms: 1e13\n", "model_watch.interval_ms",
       "the allowed range is 1 to 1000000000000"},
      {"model_watch:\n  interval_ms: 1000000000001\n", "model_watch.interval_ms",
       "the allowed range is 1 to 1000000000000"},
  };
  for (const auto& c : cases) {
    ServerConfig config;
    const Status status = LoadText(c.text, &config);
    EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << c.text;
    EXPECT_NE(status.message().find(c.key), std::string::npos) << status.message();
    EXPECT_NE(status.message().find(c.range), std::string::npos) << status.message();
  }
}

TEST(ServerConfigTest, WaitsUpToTheirMaximumAreAccepted) {
  ServerConfig config;
  ASSERT_TRUE(LoadText("shutdown:\n  drain_deadline_seconds: 1e9\n"
                       "model_watch:\n  interval_ms: 1000000000000\n",
                       &config)
                  .ok());
  EXPECT_EQ(config.drain_deadline_ms, 1'000'000'000'000);
  EXPECT_EQ(config.model_watch_interval_ms, 1'000'000'000'000);
}

TEST(ServerConfigTest, NotServingGraceIsNoneByDefaultAndTheFileSetsItIncludingBackToZero) {
  ServerConfig config;
  EXPECT_EQ(config.not_serving_grace_ms, 0);
  ASSERT_TRUE(LoadText("shutdown:\n  not_serving_grace_seconds: 1.5\n", &config).ok());
  EXPECT_EQ(config.not_serving_grace_ms, 1500);
  ASSERT_TRUE(LoadText("shutdown:\n  not_serving_grace_seconds: 0\n", &config).ok());
  EXPECT_EQ(config.not_serving_grace_ms, 0);
  ASSERT_TRUE(LoadText("shutdown:\n  not_serving_grace_seconds: 1e9\n", &config).ok());
  EXPECT_EQ(config.not_serving_grace_ms, 1'000'000'000'000);
}

TEST(ServerConfigTest, NotServingGraceThatIsNegativeNotANumberOrTooLargeIsRefusedNamingTheKey) {
  const struct {
    const char* value;
    const char* what;
  } cases[] = {
      {"-1", "must be 0 or a positive number"},
      {".nan", "must be 0 or a positive number"},
      {"0.0001", "is too small"},
      {"1e10", "is too large (the maximum is 1000000000)"},
      {"9.3e9", "is too large (the maximum is 1000000000)"},
      {".inf", "is too large (the maximum is 1000000000)"},
      {"soon", ""},
  };
  for (const auto& c : cases) {
    ServerConfig config;
    const Status status =
        LoadText(std::string("shutdown:\n  not_serving_grace_seconds: ") + c.value, &config);
    EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << c.value;
    EXPECT_NE(status.message().find("shutdown.not_serving_grace_seconds: "), std::string::npos)
        << status.message();
    EXPECT_NE(status.message().find(c.what), std::string::npos) << status.message();
    EXPECT_EQ(config.not_serving_grace_ms, 0) << c.value;
  }
}

// The flag --shutdown-not-serving-grace-seconds takes what the key takes.
TEST(ServerConfigTest, NotServingGraceSecondsFromTheFlagFollowTheRulesOfTheKey) {
  ServerConfig config;
  ASSERT_TRUE(SetNotServingGraceSeconds(2.5, &config).ok());
  EXPECT_EQ(config.not_serving_grace_ms, 2500);
  ASSERT_TRUE(SetNotServingGraceSeconds(0, &config).ok());
  EXPECT_EQ(config.not_serving_grace_ms, 0);
  config.not_serving_grace_ms = 7000;
  for (double refused : {-1.0, std::nan(""), 1e10, std::numeric_limits<double>::infinity()}) {
    const Status status = SetNotServingGraceSeconds(refused, &config);
    EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << refused;
    EXPECT_EQ(config.not_serving_grace_ms, 7000) << refused;
  }
  EXPECT_EQ(SetNotServingGraceSeconds(1e10, &config).message(),
            "is too large (the maximum is 1000000000)");
}

// main() prints the refusal and exits 2 before listening.
TEST(ServerConfigTest, ARefusedWaitStopsTheServerAtStartNamingTheKey) {
  testing::TempDir dir;
  const std::string path = dir.File("server.yaml");
  std::ofstream(path) << "model_watch:\n  interval_ms: 1e13\n";
  const testing::RunResult result =
      testing::RunProcess(SPAMGUARD_SERVER_BIN,
                          {"--listen", "127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()),
                           "--data-dir", dir.path(), "--config", path},
                          std::chrono::seconds(30));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.stderr_text.find("model_watch.interval_ms: is too large"), std::string::npos)
      << result.stderr_text;
}

}  // namespace
}  // namespace spamguard::server
