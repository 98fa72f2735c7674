// spamguardctl feedback stats | export: reads the server's feedback store
// (<data-dir>/feedback.db) through server/feedback_store.h. Safe while the server runs.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "cli/commands.h"
#include "cli/option_values.h"
#include "model/unix_time.h"
#include "server/feedback_store.h"

namespace spamguard::cli {
namespace {

namespace fs = std::filesystem;
using server::FeedbackFilter;
using server::FeedbackReader;

// Fails `feedback <subcommand>`.
[[noreturn]] void FailFeedback(const std::string& subcommand, const std::string& message) {
  Fail("feedback " + subcommand, message);
}

std::string IsoTime(int64_t unix_ms) {
  const std::time_t seconds = unix_ms / 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

struct FeedbackOptions {
  std::string data_dir = "var";
  std::string since;
  std::string site;
  bool site_given = false;
  bool json = false;
  std::string output;
};

void AddCommonOptions(CLI::App* command, FeedbackOptions* options) {
  command->add_option("--data-dir", options->data_dir,
                      "data directory of the server (default var, as spamguard-server)");
  command->add_option("--since", options->since,
                      "only reports at or after: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, Unix ms, or "
                      "an age like 24h / 7d (older than 1970: every report)");
  command->add_option("--site", options->site, "only reports of this site_id");
}

std::unique_ptr<FeedbackReader> OpenReader(const std::string& command,
                                           const FeedbackOptions& options, FeedbackFilter* filter) {
  if (!options.since.empty()) {
    Result<int64_t> since_ms = ParseSinceOption(options.since, UnixNowMs());
    if (!since_ms.ok()) FailFeedback(command, since_ms.status().message());
    filter->since_ms = *since_ms;
  }
  if (options.site_given) filter->site_id = options.site;
  auto reader = FeedbackReader::Open(options.data_dir);
  if (!reader.ok()) FailFeedback(command, reader.status().message());
  return std::move(reader).value();
}

void RunStats(const FeedbackOptions& options) {
  FeedbackFilter filter;
  auto reader = OpenReader("stats", options, &filter);
  auto stats = reader->Stats(filter);
  if (!stats.ok()) FailFeedback("stats", stats.status().message());
  if (options.json) {
    nlohmann::json out = {{"spam", stats->all.spam},
                          {"ham", stats->all.ham},
                          {"total", stats->all.total()},
                          {"by_site", nlohmann::json::object()}};
    for (const auto& [site, counts] : stats->by_site) {
      out["by_site"][site] = {{"spam", counts.spam}, {"ham", counts.ham}};
    }
    if (stats->first_reported_at_ms)
      out["first_reported_at"] = IsoTime(*stats->first_reported_at_ms);
    if (stats->last_reported_at_ms) out["last_reported_at"] = IsoTime(*stats->last_reported_at_ms);
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  std::printf("feedback store: %s\n", reader->path().c_str());
  std::printf("%-24s %10s %10s %10s\n", "site", "spam", "ham", "total");
  for (const auto& [site, counts] : stats->by_site) {
    std::printf("%-24s %10llu %10llu %10llu\n", site.empty() ? "(default)" : site.c_str(),
                static_cast<unsigned long long>(counts.spam),
                static_cast<unsigned long long>(counts.ham),
                static_cast<unsigned long long>(counts.total()));
  }
  std::printf("%-24s %10llu %10llu %10llu\n", "all",
              static_cast<unsigned long long>(stats->all.spam),
              static_cast<unsigned long long>(stats->all.ham),
              static_cast<unsigned long long>(stats->all.total()));
  if (stats->first_reported_at_ms && stats->last_reported_at_ms) {
    std::printf("reported between %s and %s\n", IsoTime(*stats->first_reported_at_ms).c_str(),
                IsoTime(*stats->last_reported_at_ms).c_str());
  }
}

// Why `output` must not be written while the store under `data_dir` is read, or "" when it
// may: the output must not be the database, its -wal or -shm file, or any file inside the
// data directory (writing there would truncate or corrupt the store being exported).
std::string OutputClashesWithStore(const std::string& output, const std::string& data_dir) {
  std::error_code error;
  const fs::path store = fs::path(data_dir) / server::kFeedbackDatabaseFile;
  for (const std::string suffix : {"", "-wal", "-shm"}) {
    const fs::path file = store.string() + suffix;
    if (fs::equivalent(output, file, error) && !error)
      return "it is the feedback store's " + file.string();
    error.clear();
  }
  const fs::path output_path = fs::weakly_canonical(output, error);
  if (error) return "cannot resolve it: " + error.message();
  const fs::path data_path = fs::weakly_canonical(data_dir, error);
  if (error) return "cannot resolve --data-dir " + data_dir + ": " + error.message();
  const auto [data_end, output_end] =
      std::mismatch(data_path.begin(), data_path.end(), output_path.begin(), output_path.end());
  if (data_end == data_path.end() ||
      (std::next(data_end) == data_path.end() && data_end->empty())) {
    return "it is inside the data directory " + data_dir;
  }
  return "";
}

// A file written beside its destination and renamed over it once complete, so that a
// failed export leaves the destination as it was. Removes the file unless Commit succeeded.
class StagedOutput {
 public:
  explicit StagedOutput(const std::string& destination) : destination_(destination) {}
  ~StagedOutput() {
    if (stream_.is_open()) stream_.close();
    if (!path_.empty()) {
      std::error_code ignored;
      fs::remove(path_, ignored);
    }
  }
  StagedOutput(const StagedOutput&) = delete;
  StagedOutput& operator=(const StagedOutput&) = delete;

  // Creates the staging file; "" on success, else why it could not be.
  std::string Open() {
    std::string name = destination_ + ".tmp-XXXXXX";
    const int fd = ::mkstemp(name.data());
    if (fd < 0) return "cannot create " + name + ": " + std::strerror(errno);
    path_ = name;
    // mkstemp makes the file 0600; give it the permissions a plain create would.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
    ::close(fd);
    stream_.open(path_, std::ios::binary | std::ios::trunc);
    return stream_ ? "" : "cannot write " + path_;
  }
  std::ostream& stream() { return stream_; }
  // Flushes, closes and renames the staging file over the destination; "" on success.
  std::string Commit() {
    stream_.close();
    if (!stream_) return destination_ + ": write failed";
    std::error_code error;
    fs::rename(path_, destination_, error);
    if (error) return "cannot rename " + path_ + " to " + destination_ + ": " + error.message();
    path_.clear();
    return "";
  }

 private:
  std::string destination_;
  std::string path_;
  std::ofstream stream_;
};

void RunExport(const FeedbackOptions& options) {
  FeedbackFilter filter;
  std::unique_ptr<StagedOutput> file;
  if (!options.output.empty()) {
    const std::string clash = OutputClashesWithStore(options.output, options.data_dir);
    if (!clash.empty())
      FailFeedback("export", "refusing to write " + options.output + ": " + clash);
  }
  auto reader = OpenReader("export", options, &filter);
  if (!options.output.empty()) {
    file = std::make_unique<StagedOutput>(options.output);
    const std::string error = file->Open();
    if (!error.empty()) FailFeedback("export", error);
  }
  std::ostream& out = file ? file->stream() : std::cout;
  uint64_t count = 0;
  const Status status = reader->ForEach(filter, [&](const server::FeedbackReport& report) {
    out << server::TrainingRecord(report).dump(-1, ' ', false,
                                               nlohmann::json::error_handler_t::replace)
        << '\n';
    ++count;
    return static_cast<bool>(out);
  });
  if (!status.ok()) FailFeedback("export", status.message());
  out.flush();
  if (!out)
    FailFeedback("export", (options.output.empty() ? "stdout" : options.output) + ": write failed");
  if (file) {
    const std::string error = file->Commit();
    if (!error.empty()) FailFeedback("export", error);
  }
  std::fprintf(stderr, "exported %llu reports\n", static_cast<unsigned long long>(count));
}

}  // namespace

void AddFeedbackCommand(CLI::App& app) {
  CLI::App* feedback = app.add_subcommand("feedback", "moderators' reports stored by the server");
  feedback->require_subcommand(1);
  auto options = std::make_shared<FeedbackOptions>();

  CLI::App* stats = feedback->add_subcommand("stats", "count reports by site and label");
  AddCommonOptions(stats, options.get());
  stats->add_flag("--json", options->json, "print JSON");
  stats->callback([options, stats] {
    options->site_given = stats->count("--site") > 0;
    RunStats(*options);
  });

  CLI::App* export_command = feedback->add_subcommand(
      "export", "write reports as JSONL training records (request fields plus \"label\")");
  AddCommonOptions(export_command, options.get());
  export_command->add_option("-o,--output", options->output, "file to write (default stdout)");
  export_command->callback([options, export_command] {
    options->site_given = export_command->count("--site") > 0;
    RunExport(*options);
  });
}

}  // namespace spamguard::cli
