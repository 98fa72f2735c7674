// The one way a spamguardctl command fails (cli/commands.h).
#include "cli/commands.h"

#include <algorithm>
#include <iostream>

namespace spamguard::cli {

[[noreturn]] void Fail(const std::string& command, const std::string& what) {
  std::string line = what;
  std::replace(line.begin(), line.end(), '\n', ' ');
  std::cerr << "spamguardctl " << command << ": " << line << "\n";
  throw CLI::RuntimeError(1);
}

}  // namespace spamguard::cli
