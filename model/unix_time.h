// The wall clock as the whole project records time: Unix milliseconds (the *_ms fields of
// Comment, check records, feedback reports, model load times). Safe from any thread.
#ifndef SPAMGUARD_MODEL_UNIX_TIME_H_
#define SPAMGUARD_MODEL_UNIX_TIME_H_

#include <cstdint>

namespace spamguard {

// Milliseconds since 1970-01-01T00:00:00Z, from the system clock (it may step).
int64_t UnixNowMs();

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_UNIX_TIME_H_
