// spamguardctl: trains, evaluates, compares and publishes models, and talks to a running
// spamguard-server. See README.md "spamguardctl".
#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace {

// The subcommand path that was parsed, e.g. "feedback export"; empty before one was.
std::string CommandPath(const CLI::App& app) {
  std::string path;
  const CLI::App* current = &app;
  for (;;) {
    const std::vector<CLI::App*> chosen = current->get_subcommands();
    if (chosen.empty()) return path;
    current = chosen.front();
    path += (path.empty() ? "" : " ") + current->get_name();
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"spamguardctl: train, evaluate and publish Spamguard models; operate a server"};
  app.require_subcommand(1);
  spamguard::cli::AddTrainCommand(app);
  spamguard::cli::AddEvalCommand(app);
  spamguard::cli::AddEvalProtocolCommand(app);
  spamguard::cli::AddReplayCommand(app);
  spamguard::cli::AddRetrainCommand(app);
  spamguard::cli::AddModelsCommand(app);
  spamguard::cli::AddCheckCommand(app);
  spamguard::cli::AddStatusCommand(app);
  spamguard::cli::AddReloadCommand(app);
  spamguard::cli::AddRulesCommand(app);
  spamguard::cli::AddFeedbackCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // CLI11's own errors, and a command's Fail (CLI::RuntimeError): CLI11 prints and exits.
    return app.exit(error);
  } catch (const std::exception& error) {
    // A bug: an exception a command did not turn into a Fail. Still one line and exit 1,
    // rather than std::terminate's abort.
    std::string what = error.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    const std::string command = CommandPath(app);
    std::cerr << "spamguardctl" << (command.empty() ? "" : " " + command)
              << ": internal error: " << what << "\n";
    return 1;
  }
  return 0;
}
