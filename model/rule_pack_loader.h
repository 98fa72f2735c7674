// LoadRulePack: reads a rule pack (YAML, rules/README.md) and the list files it names into
// a CompiledPack: every rule checked and compiled, the regex and phrase patterns into their
// RE2 sets, the per-site policies resolved over the default, and a version hash of every
// byte read.
//
// Errors: a file that cannot be read is kNotFound / kIoError; a structurally invalid pack
// (bad YAML, unknown kind or key, missing field, bad threshold, duplicate id) is
// kInvalidArgument with "file:line: reason". A pattern RE2 rejects is not an error: it is
// skipped and reported in pack.report.skipped with file, line and reason.
#ifndef SPAMGUARD_MODEL_RULE_PACK_LOADER_H_
#define SPAMGUARD_MODEL_RULE_PACK_LOADER_H_

#include "model/rule_pack.h"
#include "model/status.h"

namespace spamguard::rule_pack {

// pack.path, pack.normalizer and pack.extractor must be set; fills everything else,
// including pack.version. On error the pack is partly filled and must be discarded.
Status LoadRulePack(CompiledPack& pack);

}  // namespace spamguard::rule_pack

#endif  // SPAMGUARD_MODEL_RULE_PACK_LOADER_H_
