// spamguardctl feedback stats | export: reads the server's feedback store
// (<data-dir>/feedback.db) through server/feedback_store.h. Safe while the server runs.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "cli/option_values.h"
#include "model/unix_time.h"
#include "server/feedback_store.h"

namespace spamguard::cli {
namespace {

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

void RunExport(const FeedbackOptions& options) {
  FeedbackFilter filter;
  auto reader = OpenReader("export", options, &filter);
  std::ofstream file;
  if (!options.output.empty()) {
    file.open(options.output, std::ios::binary | std::ios::trunc);
    if (!file) FailFeedback("export", options.output + ": cannot write");
  }
  std::ostream& out = options.output.empty() ? std::cout : file;
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
