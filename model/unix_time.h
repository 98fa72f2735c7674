// The wall clock as the whole project records time: Unix milliseconds (the *_ms fields of
// Comment, check records, feedback reports, model load times). Safe from any thread.
#ifndef SPAMGUARD_MODEL_UNIX_TIME_H_
#define SPAMGUARD_MODEL_UNIX_TIME_H_

#include <cstdint>

namespace spamguard {

// Milliseconds since 1970-01-01T00:00:00Z, from the system clock (it may step).
int64_t UnixNowMs();

// The range of a time the project takes in: google.protobuf.Timestamp's, 0001-01-01T00:00:00Z
// to 9999-12-31T23:59:59.999Z, which the server checks every request against. Within it, the
// difference of two times never overflows an int64.
inline constexpr int64_t kMinUnixMs = -62'135'596'800'000;
inline constexpr int64_t kMaxUnixMs = 253'402'300'799'999;

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_UNIX_TIME_H_
