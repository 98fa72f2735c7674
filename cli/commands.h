// The subcommands of spamguardctl. Each Add*Command registers one subcommand (and its
// options) on the app; its callback runs the command and reports failure by throwing
// CLI::RuntimeError(1) after printing one line "spamguardctl <cmd>: <what went wrong>" to
// stderr, so that every error exits non-zero with a one-line message.
#ifndef SPAMGUARD_CLI_COMMANDS_H_
#define SPAMGUARD_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <string>

namespace spamguard::cli {

// Ends a command: prints "spamguardctl <command>: <what>" to stderr (newlines in `what`
// become spaces, so the message stays one line) and throws CLI::RuntimeError(1).
[[noreturn]] void Fail(const std::string& command, const std::string& what);

// Model life cycle (train_commands.cc, protocol_command.cc, replay_commands.cc; the steps
// they share are cli/model_lifecycle.h and cli/model_publishing.h).
void AddTrainCommand(CLI::App& app);  // train
void AddEvalCommand(CLI::App& app);   // eval (DATA files; without: LOVO, TubeSpam, held-back)
void AddEvalProtocolCommand(CLI::App& app);  // eval-protocol: eval without DATA (for scripts)
void AddReplayCommand(CLI::App& app);        // replay (regression cases)
void AddRetrainCommand(CLI::App& app);       // retrain (base + feedback, gate, publish)
void AddModelsCommand(CLI::App& app);        // models list | rollback

// Operating a service (ops_commands.cc).
void AddCheckCommand(CLI::App& app);     // check (local model or --server)
void AddStatusCommand(CLI::App& app);    // status (Admin.GetStatus)
void AddReloadCommand(CLI::App& app);    // reload (Admin.ReloadModel)
void AddRulesCommand(CLI::App& app);     // rules test | rules check
void AddFeedbackCommand(CLI::App& app);  // feedback stats | export

}  // namespace spamguard::cli

#endif  // SPAMGUARD_CLI_COMMANDS_H_
