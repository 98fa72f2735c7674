// Values of spamguardctl options that more than one command takes, parsed strictly: the
// whole text must be a valid value, or the command refuses it with a message saying why.
#ifndef SPAMGUARD_CLI_OPTION_VALUES_H_
#define SPAMGUARD_CLI_OPTION_VALUES_H_

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "model/status.h"

namespace spamguard::cli {

// The --since argument of `feedback stats|export` and `retrain`: which moderators' reports to
// read, by when they were reported. Parses `text` into a Unix-ms lower bound (reports at or
// after it), as one of:
//   - Unix milliseconds: digits only, e.g. "1795651200000";
//   - a UTC date or time: "2026-11-01", "2026-11-01T12:30:00Z" (the Z may be left out);
//   - an age counted back from now_ms: digits then m, h or d, e.g. "90m", "24h", "7d". An
//     age reaching back before 1970 (however large) means every report: the result is 0.
// The whole text must match one form; a prefix that does ("7x", "2026-11-01junk") is
// kInvalidArgument, as is a number too large for Unix ms, and so is a date or time that does
// not exist ("2026-02-31", "2026-11-01T24:00:00Z"), which would otherwise roll over into the
// next month or day. Never throws.
Result<int64_t> ParseSinceOption(const std::string& text, int64_t now_ms);

// A CLI11 validator for a floating-point option: a finite number with
// min <= value <= max (min_exclusive: min < value; max_exclusive: value < max). Unlike
// CLI::Range it refuses "nan", which passes any range check because every comparison with
// NaN is false, and "inf". Its message names the range: "must be a finite number in (0, 1),
// got '1'".
CLI::Validator FiniteNumberIn(double min, double max, bool min_exclusive = false,
                              bool max_exclusive = false);

// A CLI11 validator for an integer option: digits with an optional leading '-' (no sign
// '+', blanks, fraction or exponent), min <= value <= max. Its message names the range in
// plain integers, where CLI::NonNegativeNumber prints the largest double in 300 digits.
CLI::Validator WholeNumberIn(int64_t min, int64_t max);

// A CLI11 validator for the address of a server to call: HOST:PORT with a non-empty HOST
// ("[::1]" bracketed for IPv6) and a PORT from 1 to 65535. gRPC takes the port modulo 65536
// (":116535" dialled port 50999) and reports an empty address as a failed "secure" channel.
CLI::Validator ServerAddress();

}  // namespace spamguard::cli

#endif  // SPAMGUARD_CLI_OPTION_VALUES_H_
