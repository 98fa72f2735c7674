// spamguardctl: trains, evaluates, compares and publishes models, and talks to a running
// spamguard-server. See README.md "spamguardctl".
#include <CLI/CLI.hpp>

#include "cli/commands.h"

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
  CLI11_PARSE(app, argc, argv);
  return 0;
}
