// utf8: whether bytes are well-formed UTF-8, as ICU's U8_NEXT reads them: no overlong forms,
// no surrogates, nothing above U+10FFFF, no truncated sequence. The one check for every text
// that enters Spamguard: request fields (server/request_validation), data-file lines
// (model/dataset), comments a local `spamguardctl check` reads.
//
// Pure function: safe from any thread.
#ifndef SPAMGUARD_MODEL_UTF8_H_
#define SPAMGUARD_MODEL_UTF8_H_

#include <cstddef>
#include <string_view>

namespace spamguard {

// True when `text` is well-formed UTF-8. On false, *error_offset (when given) is the byte
// offset of the first bad sequence.
bool IsValidUtf8(std::string_view text, size_t* error_offset = nullptr);

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_UTF8_H_
