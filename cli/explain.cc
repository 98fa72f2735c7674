#include "cli/explain.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <utility>

#include "model/utf8.h"

namespace spamguard::cli {
namespace {

constexpr char kMarkOpen[] = "[[";
constexpr char kMarkClose[] = "]]";
constexpr char kColorSpan[] = "\x1b[1;31m";  // bold red
constexpr char kColorReset[] = "\x1b[0m";

bool IsContinuationByte(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Moves offset back to the first byte of the code point it falls in.
uint32_t CodePointStart(std::string_view text, uint32_t offset) {
  while (offset > 0 && offset < text.size() &&
         IsContinuationByte(static_cast<unsigned char>(text[offset]))) {
    --offset;
  }
  return offset;
}

// Moves offset forward past the code point it falls in.
uint32_t CodePointEnd(std::string_view text, uint32_t offset) {
  while (offset < text.size() && IsContinuationByte(static_cast<unsigned char>(text[offset]))) {
    ++offset;
  }
  return offset;
}

Span SafeSpan(std::string_view content, Span span) {
  const uint32_t size = static_cast<uint32_t>(content.size());
  const uint32_t end = CodePointEnd(content, std::min(span.end, size));
  const uint32_t begin = CodePointStart(content, std::min(span.begin, end));
  return {begin, end};
}

// Appends text, escaping what a terminal would interpret: C0 controls other than tab and
// newline, DEL, C1 controls (U+0080..U+009F) and every byte of an ill-formed UTF-8 sequence
// (a stray 0x9B is CSI to a terminal in 8-bit mode). Check refuses such text, but data files
// (`rules test --examples`) can hold it.
void AppendEscaped(std::string_view text, std::string& out) {
  char escape[16];
  ForEachCodePoint(text, [&](size_t begin, size_t end, UChar32 c) {
    if (c < 0) {
      for (size_t k = begin; k < end; ++k) {
        std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned char>(text[k]));
        out += escape;
      }
    } else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
      std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned>(c));
      out += escape;
    } else if (c >= 0x80 && c <= 0x9F) {
      std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(c));
      out += escape;
    } else {
      out.append(text.substr(begin, end - begin));
    }
  });
}

std::string Escaped(std::string_view text) {
  std::string out;
  AppendEscaped(text, out);
  return out;
}

// Every line after the first starts with indent, so a multi-line comment stays inside its
// block of the report.
std::string Indented(std::string_view text, std::string_view indent) {
  std::string out(indent);
  for (char c : text) {
    out += c;
    if (c == '\n') out += indent;
  }
  return out;
}

std::string VerdictLabel(Verdict verdict) {
  std::string label = VerdictName(verdict);
  std::transform(label.begin(), label.end(), label.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return label;
}

const char* VerdictColor(Verdict verdict) {
  switch (verdict) {
    case Verdict::kHam:
      return "\x1b[1;32m";  // green
    case Verdict::kHold:
      return "\x1b[1;33m";  // yellow
    case Verdict::kSpam:
    case Verdict::kDiscard:
      return "\x1b[1;31m";  // red
  }
  return "";
}

// Three decimals, but never a rounded 0 or 1: a calibrated probability is never certain.
std::string FormatProbability(double probability) {
  if (probability >= 0.9995) return ">0.999";
  if (probability < 0.0005) return "<0.001";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", probability);
  return buffer;
}

std::string FormatScore(double score) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%+.2f", score);
  return buffer;
}

}  // namespace

std::vector<Span> NormalizeSpans(std::string_view content, std::vector<Span> spans) {
  std::vector<Span> safe;
  safe.reserve(spans.size());
  for (const Span& span : spans) {
    const Span clamped = SafeSpan(content, span);
    if (clamped.begin < clamped.end) safe.push_back(clamped);
  }
  std::sort(safe.begin(), safe.end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::vector<Span> merged;
  for (const Span& span : safe) {
    if (!merged.empty() && span.begin <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, span.end);
    } else {
      merged.push_back(span);
    }
  }
  return merged;
}

std::string MarkSpans(std::string_view content, const std::vector<Span>& spans,
                      const RenderOptions& options) {
  std::string out;
  uint32_t position = 0;
  for (const Span& span : NormalizeSpans(content, spans)) {
    AppendEscaped(content.substr(position, span.begin - position), out);
    out += options.color ? kColorSpan : kMarkOpen;
    AppendEscaped(content.substr(span.begin, span.end - span.begin), out);
    out += options.color ? kColorReset : kMarkClose;
    position = span.end;
  }
  AppendEscaped(content.substr(position), out);
  return out;
}

std::vector<Reason> ReasonsByStrength(std::vector<Reason> reasons) {
  std::stable_sort(reasons.begin(), reasons.end(), [](const Reason& a, const Reason& b) {
    return std::fabs(a.score) > std::fabs(b.score);
  });
  return reasons;
}

std::string RenderText(const CheckedComment& checked, const RenderOptions& options) {
  const Assessment& assessment = checked.assessment;
  std::string out;
  if (checked.line > 0) out += "line " + std::to_string(checked.line) + ": ";
  if (options.color) out += VerdictColor(assessment.verdict);
  out += VerdictLabel(assessment.verdict);
  if (options.color) out += kColorReset;
  out += "  spam probability " + FormatProbability(assessment.spam_probability);
  std::vector<std::string> provenance;
  if (!assessment.model_version.empty()) provenance.push_back("model " + assessment.model_version);
  if (!assessment.rules_version.empty()) provenance.push_back("rules " + assessment.rules_version);
  if (!checked.check_id.empty()) provenance.push_back("check " + checked.check_id);
  if (!provenance.empty()) {
    out += "  (";
    for (size_t i = 0; i < provenance.size(); ++i) {
      if (i > 0) out += ", ";
      out += Escaped(provenance[i]);
    }
    out += ")";
  }
  out += "\n";

  std::vector<Span> all_spans;
  for (const Reason& reason : assessment.reasons) {
    all_spans.insert(all_spans.end(), reason.spans.begin(), reason.spans.end());
  }
  out += Indented(MarkSpans(checked.content, all_spans, options), "  ");
  out += "\n";

  const std::vector<Reason> reasons = ReasonsByStrength(assessment.reasons);
  if (reasons.empty()) {
    out += "  reasons: none\n";
    return out;
  }
  out += "  reasons:\n";
  size_t code_width = 0;
  for (const Reason& reason : reasons) code_width = std::max(code_width, reason.code.size());
  for (const Reason& reason : reasons) {
    std::string line = "    " + FormatScore(reason.score) + "  " + Escaped(reason.code);
    line.append(code_width - reason.code.size() + 2, ' ');
    line += Escaped(reason.description);
    for (const Span& span : NormalizeSpans(checked.content, reason.spans)) {
      line += "  \"" +
              Escaped(std::string_view(checked.content).substr(span.begin, span.end - span.begin)) +
              "\"";
    }
    out += line + "\n";
  }
  return out;
}

nlohmann::ordered_json ToJson(const CheckedComment& checked) {
  const Assessment& assessment = checked.assessment;
  nlohmann::ordered_json reasons = nlohmann::ordered_json::array();
  for (const Reason& reason : ReasonsByStrength(assessment.reasons)) {
    nlohmann::ordered_json spans = nlohmann::ordered_json::array();
    for (const Span& span : reason.spans) {
      const Span safe = SafeSpan(checked.content, span);
      spans.push_back({{"begin", span.begin},
                       {"end", span.end},
                       {"text", checked.content.substr(safe.begin, safe.end - safe.begin)}});
    }
    reasons.push_back({{"code", reason.code},
                       {"description", reason.description},
                       {"score", reason.score},
                       {"spans", std::move(spans)}});
  }
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  if (checked.line > 0) object["line"] = checked.line;
  object["verdict"] = VerdictName(assessment.verdict);
  object["spam_probability"] = assessment.spam_probability;
  object["text"] = checked.content;
  object["reasons"] = std::move(reasons);
  object["model_version"] = assessment.model_version;
  object["rules_version"] = assessment.rules_version;
  if (!checked.check_id.empty()) object["check_id"] = checked.check_id;
  return object;
}

std::string DumpJsonLine(const nlohmann::ordered_json& value) {
  return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace spamguard::cli
