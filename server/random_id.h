// RandomId: identifiers nobody can guess or predict from the ones they have seen (check ids
// and feedback ids).
//
// Why: a check id is the only thing that lets a site report on a check, and site_id is not
// authenticated, so the id must not be guessable from other ids. A Mersenne Twister seeded
// with 32 bits is neither: 2^32 seeds can be tried, and ~312 outputs give its whole state.
// These ids take 128 bits from the kernel's CSPRNG (getrandom(2)), read 4 KiB at a time per
// thread so that an id costs no system call of its own.
//
// Thread safety: may be called from any thread.
#ifndef SPAMGUARD_SERVER_RANDOM_ID_H_
#define SPAMGUARD_SERVER_RANDOM_ID_H_

#include <string>
#include <string_view>

namespace spamguard::server {

// `prefix` followed by 32 lower-case hex digits of kernel randomness ("ck-" ->
// "ck-3f9c...e1"). Aborts the process if the kernel cannot supply randomness (getrandom
// fails only on kernels older than 3.17), rather than hand out a guessable id.
std::string RandomId(std::string_view prefix);

}  // namespace spamguard::server

#endif  // SPAMGUARD_SERVER_RANDOM_ID_H_
