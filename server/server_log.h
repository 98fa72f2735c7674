// The server's log: one line per event on stderr, prefixed with the UTC time. Safe from any
// thread (one fprintf call per line, which stdio locks).
#ifndef SPAMGUARD_SERVER_SERVER_LOG_H_
#define SPAMGUARD_SERVER_SERVER_LOG_H_

#include <string>

namespace spamguard::server {

void LogLine(const std::string& line);

}  // namespace spamguard::server

#endif  // SPAMGUARD_SERVER_SERVER_LOG_H_
