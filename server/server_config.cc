#include "server/server_config.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>

namespace spamguard::server {
namespace {

// The largest duration handed to gRPC as a channel argument: gRPC takes milliseconds as an
// int.
constexpr int64_t kMaxGrpcDurationMs = std::numeric_limits<int>::max();

// The largest wait the server adds to a clock reading (the not-serving grace, the drain
// deadline, the model watch interval). std::chrono's clocks count nanoseconds in an int64:
// now plus more than ~7.4e12 ms overflows (past the year 2262), which is undefined; in
// practice a watch interval of 1e13 ms wrapped to a deadline in the past and spun a core.
// 10^12 ms is ~31 years.
constexpr int64_t kMaxWaitMs = 1'000'000'000'000;

// One section of the file: key -> how to apply its value. Appliers throw
// YAML::Exception (bad type) or std::invalid_argument (bad value); both are caught below.
using Appliers = std::map<std::string, std::function<void(const YAML::Node&)>>;

// A positive number times `scale`, as a T. The scaled value must be a whole unit at least
// and at most `max`: converting a double out of T's range is undefined, "0.5" bytes or
// streams would silently become 0, and a value handed on as a narrower type (gRPC takes the
// message size as an int) would wrap where it is used. Throws std::invalid_argument saying
// what is wrong.
template <typename T>
T ScaledPositive(double value, double scale, T max) {
  // An unscaled value (a count) names its range in every refusal.
  const std::string range =
      scale == 1 ? " (the allowed range is 1 to " + std::to_string(max) + ")" : "";
  if (!(value > 0)) throw std::invalid_argument("must be a positive number" + range);
  const double scaled = value * scale;
  if (scaled < 1) throw std::invalid_argument("is too small (less than one unit)" + range);
  // max + 1 is exact for an int and rounds to 2^63 or 2^64 for the 64-bit types: either
  // way the first scaled value that does not fit.
  if (!(scaled < static_cast<double>(max) + 1)) {
    if (scale == 1) throw std::invalid_argument("is too large" + range);
    char largest[32];
    std::snprintf(largest, sizeof largest, "%.0f", std::floor(static_cast<double>(max) / scale));
    throw std::invalid_argument(std::string("is too large (the maximum is ") + largest + ")");
  }
  return static_cast<T>(scaled);
}

// 0, or a positive number as ScaledPositive takes it. Throws std::invalid_argument.
template <typename T>
T ScaledZeroOrPositive(double value, double scale, T max) {
  if (!(value >= 0)) throw std::invalid_argument("must be 0 or a positive number");
  return value == 0 ? T{0} : ScaledPositive(value, scale, max);
}

// A positive number, stored times `scale` in *target (see ScaledPositive).
template <typename T>
std::function<void(const YAML::Node&)> Positive(T* target, double scale = 1,
                                                T max = std::numeric_limits<T>::max()) {
  return [target, scale, max](const YAML::Node& node) {
    *target = ScaledPositive(node.as<double>(), scale, max);
  };
}

// 0 (none), or a positive number stored times `scale` in *target (see ScaledPositive).
template <typename T>
std::function<void(const YAML::Node&)> ZeroOrPositive(T* target, double scale, T max) {
  return [target, scale, max](const YAML::Node& node) {
    *target = ScaledZeroOrPositive(node.as<double>(), scale, max);
  };
}

std::function<void(const YAML::Node&)> Text(std::string* target) {
  return [target](const YAML::Node& node) {
    *target = node.as<std::string>();
    if (target->empty()) throw std::invalid_argument("must not be empty");
  };
}

std::function<void(const YAML::Node&)> Flag(bool* target) {
  return [target](const YAML::Node& node) { *target = node.as<bool>(); };
}

// A size in bytes as the config states it, in megabytes: "1024", "0.5".
std::string Megabytes(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", static_cast<double>(bytes) / (1024.0 * 1024));
  return text;
}

Status ApplySection(const std::string& path, const std::string& section, const YAML::Node& node,
                    const Appliers& appliers) {
  if (!node.IsMap()) {
    return Status::InvalidArgument(path + ": line " + std::to_string(node.Mark().line + 1) + ": '" +
                                   section + "' must be a mapping");
  }
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    const std::string where = path + ": line " + std::to_string(entry.first.Mark().line + 1) +
                              ": " + (section.empty() ? "" : section + ".") + key;
    auto applier = appliers.find(key);
    if (applier == appliers.end()) return Status::InvalidArgument(where + ": unknown setting");
    try {
      applier->second(entry.second);
    } catch (const std::exception& e) {
      return Status::InvalidArgument(where + ": " + e.what());
    }
  }
  return Status::Ok();
}

}  // namespace

Status LoadServerConfigFile(const std::string& path, ServerConfig* config) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return Status::InvalidArgument(path + ": is a directory, not a config file");
  }
  if (!std::filesystem::is_regular_file(path, error)) {
    return Status::NotFound(path + ": config file not found");
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ": line " + std::to_string(e.mark.line + 1) + ": " +
                                   e.msg);
  }
  if (root.IsNull()) return Status::Ok();  // an empty file changes nothing

  ServerConfig& c = *config;
  const std::map<std::string, Appliers> sections = {
      {"limits",
       {{"content_bytes", Positive(&c.limits.max_content_bytes)},
        {"string_bytes", Positive(&c.limits.max_string_bytes)},
        {"tags", Positive(&c.limits.max_tags)},
        {"message_bytes", Positive(&c.limits.max_message_bytes, 1,
                                   static_cast<size_t>(std::numeric_limits<int>::max()))}}},
      {"check_queue",
       {{"per_worker", Positive(&c.check_queue_per_worker, 1, kMaxCheckQueuePerWorker)}}},
      {"check_records",
       {{"retention_hours", Positive(&c.check_retention_ms, 3600.0 * 1000)},
        {"max_records", Positive(&c.check_max_records)},
        {"max_megabytes", Positive(&c.check_max_bytes, 1024.0 * 1024)},
        {"max_queued", Positive(&c.check_max_queued)},
        {"max_queued_megabytes", Positive(&c.check_max_queued_bytes, 1024.0 * 1024)}}},
      {"feedback_store",
       {{"max_megabytes", Positive(&c.feedback_store_max_bytes, 1024.0 * 1024)},
        {"max_queued_reports", Positive(&c.feedback_max_queued_reports)},
        {"max_queued_megabytes", Positive(&c.feedback_max_queued_bytes, 1024.0 * 1024)}}},
      {"duplicate_window",
       {{"retention_minutes", Positive(&c.duplicate_retention_ms, 60.0 * 1000)},
        {"max_entries", Positive(&c.duplicate_max_entries)}}},
      {"shutdown",
       {{"not_serving_grace_seconds", ZeroOrPositive(&c.not_serving_grace_ms, 1000, kMaxWaitMs)},
        {"drain_deadline_seconds", Positive(&c.drain_deadline_ms, 1000, kMaxWaitMs)}}},
      {"connections",
       {{"keepalive_time_seconds", Positive(&c.keepalive_time_ms, 1000, kMaxGrpcDurationMs)},
        {"keepalive_timeout_seconds", Positive(&c.keepalive_timeout_ms, 1000, kMaxGrpcDurationMs)},
        {"max_connection_age_seconds",
         Positive(&c.max_connection_age_ms, 1000, kMaxGrpcDurationMs)},
        {"max_connection_age_grace_seconds",
         Positive(&c.max_connection_age_grace_ms, 1000, kMaxGrpcDurationMs)},
        {"max_concurrent_streams", Positive(&c.max_concurrent_streams)}}},
      {"model_watch", {{"interval_ms", Positive(&c.model_watch_interval_ms, 1, kMaxWaitMs)}}},
      {"admin", {{"allow_remote", Flag(&c.admin_allow_remote)}}},
  };
  Appliers top = {
      {"listen", Text(&c.listen)},
      {"model", Text(&c.model)},
      {"rules", Text(&c.rules)},
      {"data_dir", Text(&c.data_dir)},
  };
  std::map<std::string, YAML::Node> section_nodes;
  for (const auto& [name, unused] : sections) {
    top[name] = [&section_nodes, name](const YAML::Node& node) { section_nodes[name] = node; };
  }
  if (Status s = ApplySection(path, "", root, top); !s.ok()) return s;
  for (const auto& [name, node] : section_nodes) {
    if (Status s = ApplySection(path, name, node, sections.at(name)); !s.ok()) return s;
  }
  if (c.limits.max_content_bytes >= c.limits.max_message_bytes) {
    return Status::InvalidArgument(path +
                                   ": limits.content_bytes must be below "
                                   "limits.message_bytes");
  }
  // Check records share the file with the reports and are trimmed only past their own cap:
  // with a file cap no larger, they could fill it, and every report would be refused as full.
  if (c.feedback_store_max_bytes <= c.check_max_bytes) {
    return Status::InvalidArgument(
        path + ": feedback_store.max_megabytes (" + Megabytes(c.feedback_store_max_bytes) +
        ") must be larger than check_records.max_megabytes (" + Megabytes(c.check_max_bytes) +
        "): check records may fill the feedback store up to their own cap, and no report "
        "could then be stored");
  }
  return Status::Ok();
}

Status SetNotServingGraceSeconds(double seconds, ServerConfig* config) {
  try {
    config->not_serving_grace_ms = ScaledZeroOrPositive(seconds, 1000, kMaxWaitMs);
  } catch (const std::invalid_argument& e) {
    return Status::InvalidArgument(e.what());
  }
  return Status::Ok();
}

}  // namespace spamguard::server
