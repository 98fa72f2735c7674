// Operating a service: `check`, `status`, `reload` and `rules test|check`.
//
// `check` runs the same CommentClassifier the server runs (local mode) or calls a server
// (--server); both print through cli/explain.h, so the two modes read identically. The
// Admin commands are thin RPC wrappers. `rules` lets an operator try a rule pack against
// labeled data before shipping it.
//
// Every failure prints one line "spamguardctl <cmd>: <what>" to stderr and throws
// CLI::RuntimeError(1) (cli/commands.h). Every RPC carries a deadline (--timeout).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/explain.h"
#include "cli/option_values.h"
#include "model/comment_classifier.h"
#include "model/dataset.h"
#include "model/model_store.h"
#include "model/rule_set.h"
#include "model/scorer.h"
#include "model/spam_model.h"
#include "model/unix_time.h"
#include "model/utf8.h"
#include "server/comment_conversion.h"
#include "server/request_validation.h"
#include "spamguard/v1/spamguard.grpc.pb.h"

namespace spamguard::cli {
namespace {

namespace pb = ::spamguard::v1;

constexpr char kDefaultServer[] = "127.0.0.1:50051";
constexpr char kDefaultModel[] = "models";
constexpr char kDefaultRules[] = "rules/default.yaml";
constexpr double kDefaultTimeoutSeconds = 10;
// A day: more than any call or --file stream needs, and far from overflowing a deadline.
constexpr double kMaxTimeoutSeconds = 86400;
// `rules test --examples`: more ham texts per rule than anyone reads, few enough to hold.
constexpr int kMaxRuleExamples = 10000;

// Colors only for a terminal, and never when the user opted out (https://no-color.org).
bool UseColor() { return isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr; }

// --- gRPC plumbing -------------------------------------------------------------------------

const char* GrpcCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    default:
      return "UNKNOWN";
  }
}

// "<CODE>: <message>", with line breaks in the message flattened so the error stays one
// line.
std::string DescribeRpcError(const grpc::Status& status) {
  std::string message = status.error_message();
  std::replace(message.begin(), message.end(), '\n', ' ');
  return std::string(GrpcCodeName(status.error_code())) + ": " + message;
}

struct ServerOptions {
  std::string address = kDefaultServer;
  double timeout_seconds = kDefaultTimeoutSeconds;
};

// --timeout is turned into a deadline (SetDeadline): NaN, infinity or an enormous number
// would overflow the clock's duration.
CLI::Validator TimeoutSeconds() {
  return FiniteNumberIn(0, kMaxTimeoutSeconds, /*min_exclusive=*/true);
}

void AddServerOptions(CLI::App& command, ServerOptions& options, const std::string& what) {
  command.add_option("--server", options.address, what + " (HOST:PORT)")
      ->capture_default_str()
      ->check(ServerAddress());
  command
      .add_option("--timeout", options.timeout_seconds,
                  "Deadline of the call in seconds (at most " +
                      std::to_string(static_cast<int>(kMaxTimeoutSeconds)) + ")")
      ->capture_default_str()
      ->check(TimeoutSeconds());
}

std::shared_ptr<grpc::Channel> Connect(const ServerOptions& options) {
  return grpc::CreateChannel(options.address, grpc::InsecureChannelCredentials());
}

void SetDeadline(grpc::ClientContext& context, const ServerOptions& options) {
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::duration_cast<std::chrono::system_clock::duration>(
                           std::chrono::duration<double>(options.timeout_seconds)));
}

std::string TimestampText(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "";
  return google::protobuf::util::TimeUtil::ToString(timestamp);
}

std::string DurationText(uint64_t seconds) {
  const uint64_t days = seconds / 86400, hours = seconds / 3600 % 24, minutes = seconds / 60 % 60,
                 rest = seconds % 60;
  std::ostringstream out;
  if (days > 0) out << days << "d ";
  if (days > 0 || hours > 0) out << hours << "h ";
  if (days > 0 || hours > 0 || minutes > 0) out << minutes << "m ";
  out << rest << "s";
  return out.str();
}

// --- check ---------------------------------------------------------------------------------

struct CheckOptions {
  std::string text;
  std::string file;
  std::string model = kDefaultModel;
  std::string rules = kDefaultRules;
  bool no_rules = false;
  bool use_server = false;  // --server was given
  ServerOptions server;
  bool is_test = false;
  std::string site_id;
  std::string author_name;
  std::string author_email;
  std::string author_url;
  std::string ip;
  std::string user_agent;
  std::string permalink;  // the post's URL (own-site-links)
  bool json = false;
};

struct InputText {
  std::string content;
  int line = 0;  // 0: the TEXT argument
  // Why this line of --file is not sent to the classifier (empty: it is checked), e.g. it
  // is over the content limit. Such a line is reported as FILE:LINE and the rest go on.
  std::string refusal;
};

// The server's default content limit (docs/api.md, limits: content_bytes). A local check
// refuses a longer comment, so that it agrees with what a server would take by default. With
// --server the server's own configured limit decides (an operator may have raised it): a
// line it refuses is named by FILE:LINE all the same.
const size_t kMaxContentBytes = server::RequestLimits{}.max_content_bytes;

// An empty comment cannot be checked; a blank one is empty once the blanks are ignored.
bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n\v\f") == std::string_view::npos;
}

// Why `content` cannot be checked, or "" when it can.
std::string RefusalOf(std::string_view content, const CheckOptions& options) {
  if (!IsValidUtf8(content)) return "not valid UTF-8";
  if (!options.use_server && content.size() > kMaxContentBytes) {
    return "comment.content is " + std::to_string(content.size()) + " bytes; the limit is " +
           std::to_string(kMaxContentBytes);
  }
  return "";
}

// The texts to check: the TEXT argument, or one per non-blank line of --file ('-': stdin).
// A blank TEXT, or one that cannot be checked, ends the command. Blank lines are skipped
// (an empty comment cannot be checked) but keep their numbers, so output lines name the
// input line; a line that cannot be checked carries its refusal.
std::vector<InputText> ReadInputs(const CheckOptions& options) {
  if (!options.text.empty() && !options.file.empty()) {
    Fail("check", "give either TEXT or --file, not both");
  }
  std::vector<InputText> inputs;
  if (options.file.empty()) {
    if (options.text.empty()) Fail("check", "nothing to check: give a TEXT or --file FILE");
    if (IsBlank(options.text)) {
      Fail("check", "TEXT is blank: an empty comment cannot be checked");
    }
    if (const std::string refusal = RefusalOf(options.text, options); !refusal.empty()) {
      Fail("check", "TEXT: " + refusal);
    }
    inputs.push_back({options.text, 0, ""});
    return inputs;
  }
  std::ifstream file_stream;
  std::istream* stream = &std::cin;
  if (options.file != "-") {
    file_stream.open(options.file, std::ios::binary);
    if (!file_stream) Fail("check", options.file + ": cannot open");
    stream = &file_stream;
  }
  std::string line;
  for (int number = 1; std::getline(*stream, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (IsBlank(line)) continue;
    std::string refusal = RefusalOf(line, options);
    inputs.push_back({std::move(line), number, std::move(refusal)});
  }
  if (stream->bad()) Fail("check", options.file + ": read error");
  if (inputs.empty()) Fail("check", options.file + ": no texts (every line is blank)");
  return inputs;
}

// Prints "spamguardctl check: FILE:LINE: <why> (not checked)" for a line that was not, and
// counts it in `refused`; the command goes on with the other lines.
void ReportRefusedLine(const CheckOptions& options, const InputText& input, const std::string& why,
                       int& refused) {
  std::cout.flush();  // keep stdout and stderr in input order on a terminal
  std::string message = options.file + ":" + std::to_string(input.line) + ": " + why;
  std::replace(message.begin(), message.end(), '\n', ' ');
  std::cerr << "spamguardctl check: " << message << " (not checked)\n";
  ++refused;
}

// Ends a --file check that refused some lines with a non-zero exit, after every other line
// was checked.
void FailIfAnyRefused(const std::vector<InputText>& inputs, int refused) {
  if (refused == 0) return;
  Fail("check", std::to_string(refused) + " of " + std::to_string(inputs.size()) +
                    (inputs.size() == 1 ? " comment" : " comments") +
                    " could not be checked (see above)");
}

void PrintChecked(const CheckedComment& checked, const CheckOptions& options, bool first) {
  if (options.json) {
    std::cout << DumpJsonLine(ToJson(checked)) << "\n";
  } else {
    if (!first) std::cout << "\n";
    std::cout << RenderText(checked, RenderOptions{.color = UseColor()});
  }
  std::cout.flush();
}

void CheckLocally(const CheckOptions& options, const std::vector<InputText>& inputs) {
  Result<std::shared_ptr<const TextPipeline>> pipeline = TextPipeline::Create();
  if (!pipeline.ok()) Fail("check", pipeline.status().ToString());
  Result<std::string> model_path = ResolveModelPath(options.model);
  if (!model_path.ok()) Fail("check", model_path.status().ToString());
  Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load(model_path.value());
  if (!model.ok()) Fail("check", model.status().ToString());
  std::shared_ptr<const RuleSet> rules;
  if (!options.no_rules) {
    Result<std::shared_ptr<const RuleSet>> loaded = RuleSet::LoadFile(
        options.rules, pipeline.value()->normalizer(), pipeline.value()->extractor());
    if (!loaded.ok()) Fail("check", loaded.status().ToString());
    rules = std::move(loaded).value();
  }
  // A typo would otherwise be checked under the default policy without a word. (With
  // --server the server decides what an unknown site means.)
  if (!options.site_id.empty()) {
    if (rules == nullptr) {
      Fail("check", "--site '" + options.site_id +
                        "' selects a policy of the rule pack, and --no-rules loads none");
    }
    if (!rules->HasSitePolicy(options.site_id)) {
      Fail("check", rules->path() + " has no policy for site '" + options.site_id +
                        "' (no entry under 'sites:')");
    }
  }
  // No duplicate window: a one-off local check has no traffic history to compare with, so
  // the duplicate-content rule cannot fire here (it can on a server).
  const CommentClassifier classifier(pipeline.value(), model.value(), rules, nullptr);

  bool first = true;
  int refused = 0;
  for (const InputText& input : inputs) {
    if (!input.refusal.empty()) {
      ReportRefusedLine(options, input, input.refusal, refused);
      continue;
    }
    Comment comment;
    comment.site_id = options.site_id;
    comment.content = input.content;
    comment.author_name = options.author_name;
    comment.author_email = options.author_email;
    comment.author_url = options.author_url;
    comment.client_ip = options.ip;
    comment.user_agent = options.user_agent;
    comment.post_permalink = options.permalink;
    CheckedComment checked;
    checked.assessment = classifier.Classify(comment, ClassifyOptions{.now_ms = UnixNowMs()});
    checked.content = input.content;
    checked.line = input.line;
    PrintChecked(checked, options, first);
    first = false;
  }
  FailIfAnyRefused(inputs, refused);
}

// The request id that pairs a stream response with its input line; the server echoes it.
std::string RequestIdFor(const InputText& input) {
  return input.line > 0 ? "line-" + std::to_string(input.line) : "";
}

pb::CheckCommentRequest BuildRequest(const CheckOptions& options, const InputText& input) {
  pb::CheckCommentRequest request;
  request.set_site_id(options.site_id);
  pb::Comment* comment = request.mutable_comment();
  comment->set_content(input.content);
  comment->set_author_name(options.author_name);
  comment->set_author_email(options.author_email);
  comment->set_author_url(options.author_url);
  if (!options.ip.empty()) request.mutable_client()->set_ip(options.ip);
  if (!options.user_agent.empty()) request.mutable_client()->set_user_agent(options.user_agent);
  if (!options.permalink.empty()) request.mutable_post()->set_permalink(options.permalink);
  request.set_is_test(options.is_test);
  request.set_request_id(RequestIdFor(input));
  return request;
}

// The response as the renderer's CheckedComment; fails when the server broke the contract
// (no verdict, or not the answer to this input).
Result<CheckedComment> FromResponse(const pb::CheckCommentResponse& response,
                                    const InputText& input) {
  if (response.request_id() != RequestIdFor(input)) {
    return Status::FailedPrecondition("the server answered request_id '" + response.request_id() +
                                      "' where '" + RequestIdFor(input) + "' was due");
  }
  CheckedComment checked;
  checked.content = input.content;
  checked.line = input.line;
  checked.check_id = response.check_id();
  std::optional<Assessment> assessment = server::ToAssessment(response);
  if (!assessment) {
    return Status::FailedPrecondition("the server answered without a verdict (" +
                                      pb::Verdict_Name(response.verdict()) + ")");
  }
  checked.assessment = std::move(*assessment);
  return checked;
}

// The largest request `check --server --file` sends on a stream at first (the server's
// default content limit, 64 KiB; its default message limit is 256 KiB); a larger one goes
// alone.
constexpr size_t kLargestStreamedRequestBytes = size_t{64} << 10;

// The server's message limit from gRPC's refusal of a larger message, "Received message
// larger than max (300018 vs. 262144)"; none for any other status.
std::optional<size_t> MessageLimitOf(const grpc::Status& status) {
  if (status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) return std::nullopt;
  const std::string& message = status.error_message();
  const size_t at = message.find("larger than max (");
  if (at == std::string::npos) return std::nullopt;
  unsigned long long size = 0, limit = 0;
  if (std::sscanf(message.c_str() + at, "larger than max (%llu vs. %llu)", &size, &limit) != 2) {
    return std::nullopt;
  }
  return static_cast<size_t>(limit);
}

// How one CheckComments stream over some of the --file lines ended.
struct StreamOutcome {
  size_t answered = 0;          // this many of its lines were answered (and printed)
  grpc::Status status;          // the call's status from the server
  std::string broken_contract;  // non-empty: the answers broke the contract; why
};

// Streams `lines` (each checkable) until the server has answered them all or ended the
// call, printing each answer through on_answer(line) as it arrives.
template <typename OnAnswer>
StreamOutcome StreamLines(pb::CommentFilter::Stub& stub, const CheckOptions& options,
                          const std::vector<const InputText*>& lines,
                          std::chrono::system_clock::time_point deadline, OnAnswer on_answer) {
  // The stream answers one response per request, in order. Requests are written from a
  // second thread while this one reads: writing everything first could stall on flow
  // control once the server's responses fill the window nobody is reading.
  grpc::ClientContext context;
  context.set_deadline(deadline);
  std::unique_ptr<grpc::ClientReaderWriter<pb::CheckCommentRequest, pb::CheckCommentResponse>>
      stream = stub.CheckComments(&context);
  std::thread writer([&] {
    for (const InputText* input : lines) {
      if (!stream->Write(BuildRequest(options, *input))) break;  // the call has ended
    }
    stream->WritesDone();
  });
  StreamOutcome outcome;
  pb::CheckCommentResponse response;
  while (outcome.answered < lines.size() && stream->Read(&response)) {
    Result<CheckedComment> checked = FromResponse(response, *lines[outcome.answered]);
    if (!checked.ok()) {
      outcome.broken_contract = checked.status().message();
      break;
    }
    on_answer(*lines[outcome.answered], checked.value());
    ++outcome.answered;
  }
  // When this side stops reading over a broken contract, cancelling unblocks the writer (the
  // server may still be reading). Otherwise the read ended because the call did (all answers
  // came, or the server finished it, e.g. with INVALID_ARGUMENT for one request, or the
  // deadline passed), so writes fail by themselves and Finish returns the server's status,
  // which a cancel would replace with CANCELLED.
  if (!outcome.broken_contract.empty()) context.TryCancel();
  writer.join();
  outcome.status = stream->Finish();
  return outcome;
}

// The server's message for a refused stream request without its "request N: " prefix,
// which counts requests of that stream from 0 and means nothing to the operator.
std::string WithoutRequestIndex(const std::string& message, size_t index) {
  const std::string prefix = "request " + std::to_string(index) + ": ";
  return message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
}

void CheckOnServer(const CheckOptions& options, const std::vector<InputText>& inputs) {
  auto stub = pb::CommentFilter::NewStub(Connect(options.server));
  if (options.file.empty()) {
    grpc::ClientContext context;
    SetDeadline(context, options.server);
    pb::CheckCommentResponse response;
    const grpc::Status status =
        stub->CheckComment(&context, BuildRequest(options, inputs.front()), &response);
    if (!status.ok()) Fail("check", DescribeRpcError(status));
    Result<CheckedComment> checked = FromResponse(response, inputs.front());
    if (!checked.ok()) Fail("check", checked.status().message());
    PrintChecked(checked.value(), options, true);
    return;
  }

  // A stream has no per-message error: the server ends it at a line it refuses
  // (INVALID_ARGUMENT naming the request). That line is reported as FILE:LINE and a new
  // stream carries on after it; --timeout bounds all of them together. A request over
  // `streamed_limit` goes alone, as a unary CheckComment: one over the server's message
  // limit is refused by gRPC itself (RESOURCE_EXHAUSTED), which ends the whole call it is
  // on, answers in flight included. A server whose message limit is below
  // kLargestStreamedRequestBytes says so when it ends a stream that way; the limit it names
  // then applies, and the stream's unanswered lines are sent again (those the server had
  // taken without answering are checked twice).
  const auto deadline = std::chrono::system_clock::now() +
                        std::chrono::duration_cast<std::chrono::system_clock::duration>(
                            std::chrono::duration<double>(options.server.timeout_seconds));
  int refused = 0;
  size_t reported = 0;  // inputs[0, reported) are printed or reported
  bool first = true;
  // Reports the lines refused on this side up to `end`, so stderr keeps input order.
  const auto report_refusals_until = [&](size_t end) {
    for (; reported < end; ++reported) {
      const InputText& input = inputs[reported];
      if (!input.refusal.empty()) ReportRefusedLine(options, input, input.refusal, refused);
    }
  };
  const auto index_of = [&](const InputText& input) {
    return static_cast<size_t>(&input - inputs.data());
  };
  const auto print = [&](const InputText& input, const CheckedComment& checked) {
    report_refusals_until(index_of(input));
    PrintChecked(checked, options, first);
    first = false;
    reported = index_of(input) + 1;
  };
  const auto refuse = [&](const InputText& input, const std::string& why) {
    report_refusals_until(index_of(input));
    ReportRefusedLine(options, input, why, refused);
    reported = index_of(input) + 1;
  };
  std::vector<size_t> request_bytes(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].refusal.empty())
      request_bytes[i] = BuildRequest(options, inputs[i]).ByteSizeLong();
  }
  size_t streamed_limit = kLargestStreamedRequestBytes;
  const auto large = [&](const InputText* input) {
    return request_bytes[index_of(*input)] > streamed_limit;
  };
  std::vector<const InputText*> pending;
  for (const InputText& input : inputs) {
    if (input.refusal.empty()) pending.push_back(&input);
  }
  while (!pending.empty()) {
    if (large(pending.front())) {
      const InputText& input = *pending.front();
      grpc::ClientContext context;
      context.set_deadline(deadline);
      pb::CheckCommentResponse response;
      const grpc::Status status =
          stub->CheckComment(&context, BuildRequest(options, input), &response);
      if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
          MessageLimitOf(status).has_value()) {
        refuse(input, DescribeRpcError(status));
      } else if (!status.ok()) {
        Fail("check", DescribeRpcError(status));
      } else {
        Result<CheckedComment> checked = FromResponse(response, input);
        if (!checked.ok()) Fail("check", checked.status().message());
        print(input, checked.value());
      }
      pending.erase(pending.begin());
      continue;
    }
    const std::vector<const InputText*> streamed(
        pending.begin(), std::find_if(pending.begin(), pending.end(), large));
    const StreamOutcome outcome = StreamLines(*stub, options, streamed, deadline, print);
    if (!outcome.broken_contract.empty()) Fail("check", outcome.broken_contract);
    if (outcome.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
        outcome.answered < streamed.size()) {
      refuse(*streamed[outcome.answered],
             "INVALID_ARGUMENT: " +
                 WithoutRequestIndex(outcome.status.error_message(), outcome.answered));
      pending.erase(pending.begin(), pending.begin() + outcome.answered + 1);
      continue;
    }
    if (const std::optional<size_t> limit = MessageLimitOf(outcome.status);
        limit && *limit < streamed_limit) {
      streamed_limit = *limit;
      pending.erase(pending.begin(), pending.begin() + outcome.answered);
      continue;
    }
    if (!outcome.status.ok()) Fail("check", DescribeRpcError(outcome.status));
    if (outcome.answered < streamed.size()) {
      Fail("check", "the server answered " + std::to_string(outcome.answered) + " of " +
                        std::to_string(streamed.size()) + " comments");
    }
    pending.erase(pending.begin(), pending.begin() + streamed.size());
  }
  report_refusals_until(inputs.size());
  FailIfAnyRefused(inputs, refused);
}

// --- rules ---------------------------------------------------------------------------------

std::shared_ptr<const RuleSet> LoadRules(const std::string& command, const std::string& path,
                                         const TextPipeline& pipeline) {
  Result<std::shared_ptr<const RuleSet>> rules =
      RuleSet::LoadFile(path, pipeline.normalizer(), pipeline.extractor());
  if (!rules.ok()) Fail(command, rules.status().message());
  return std::move(rules).value();
}

std::shared_ptr<const TextPipeline> CreatePipeline(const std::string& command) {
  Result<std::shared_ptr<const TextPipeline>> pipeline = TextPipeline::Create();
  if (!pipeline.ok()) Fail(command, pipeline.status().ToString());
  return std::move(pipeline).value();
}

struct RuleHits {
  std::string kind;
  double score = 0;
  std::string description;
  int spam_hits = 0;
  int ham_hits = 0;
  std::vector<std::string> ham_examples;  // the first --examples ham texts it fired on
};

struct SourceTally {
  int spam = 0;
  int spam_caught = 0;
  int ham = 0;
  int ham_flagged = 0;
};

// What a rule pack does to labeled data. "Flagged" means the rules alone give the comment
// SPAM or DISCARD under the site's policy: Score() with a neutral model (probability 0.5,
// contributing log-odds 0), so the rules' summed score is compared with the spam threshold
// exactly as the server compares it.
struct RulesTestReport {
  std::vector<std::string> order;  // rule ids in file order, then built-in codes as seen
  std::map<std::string, RuleHits> rules;
  std::map<std::string, SourceTally> sources;
  SourceTally total;
};

// A rate of a class the data does not have is no figure at all (JSON null, "n/a"), not 0%.
nlohmann::ordered_json Share(int part, int whole) {
  if (whole == 0) return nullptr;
  return static_cast<double>(part) / whole;
}

std::string Percent(int part, int whole) {
  if (whole == 0) return "n/a";
  const double percent = 100.0 * part / whole;
  char buffer[32];
  // A few hits in 100,000 would print as 0.00%, the same as none.
  std::snprintf(buffer, sizeof buffer, part > 0 && percent < 0.01 ? "%.3f%%" : "%.2f%%", percent);
  return buffer;
}

// "ham flagged 0.00% (0 of 208), spam caught 40.82% (100 of 245)", naming only the classes
// the tally has.
std::string TallyLine(const SourceTally& tally) {
  std::string line;
  if (tally.ham > 0) {
    line += "ham flagged " + Percent(tally.ham_flagged, tally.ham) + " (" +
            std::to_string(tally.ham_flagged) + " of " + std::to_string(tally.ham) + ")";
  }
  if (tally.spam > 0) {
    if (!line.empty()) line += ", ";
    line += "spam caught " + Percent(tally.spam_caught, tally.spam) + " (" +
            std::to_string(tally.spam_caught) + " of " + std::to_string(tally.spam) + ")";
  }
  return line;
}

struct RulesTestOptions {
  std::string rules = kDefaultRules;
  std::vector<std::string> data;
  std::string site_id;
  int examples = 0;
  bool json = false;
};

RulesTestReport RunRulesTest(const RulesTestOptions& options, const TextPipeline& pipeline,
                             const RuleSet& rules, std::vector<LabeledExample>& examples) {
  RulesTestReport report;
  for (const RuleInfo& info : rules.rules()) {
    report.order.push_back(info.id);
    report.rules[info.id] = RuleHits{info.kind, info.score, info.description, 0, 0, {}};
  }
  const int64_t now_ms = UnixNowMs();
  for (LabeledExample& example : examples) {
    Comment& comment = example.comment;
    if (!options.site_id.empty()) comment.site_id = options.site_id;
    const NormalizedText normalized = pipeline.normalizer()->Normalize(comment.content);
    const Entities entities = pipeline.extractor()->Extract(normalized);
    std::vector<Reason> reasons =
        rules.Evaluate(RuleInput{comment, normalized, entities, now_ms, nullptr, false});
    std::set<std::string> fired;
    for (const Reason& reason : reasons) fired.insert(reason.code);
    for (const std::string& code : fired) {
      auto [it, inserted] = report.rules.try_emplace(code);
      if (inserted) {
        // A built-in per-site list rule; it is not in the pack's listing.
        report.order.push_back(code);
        it->second.kind = "site-list";
      }
      RuleHits& hits = it->second;
      if (example.spam) {
        ++hits.spam_hits;
      } else {
        ++hits.ham_hits;
        if (static_cast<int>(hits.ham_examples.size()) < options.examples) {
          hits.ham_examples.push_back(comment.content);
        }
      }
    }
    const bool flagged =
        Score(0.5, std::move(reasons), rules.PolicyFor(comment.site_id)).verdict >= Verdict::kSpam;
    for (SourceTally* tally : {&report.total, &report.sources[example.source]}) {
      if (example.spam) {
        ++tally->spam;
        tally->spam_caught += flagged;
      } else {
        ++tally->ham;
        tally->ham_flagged += flagged;
      }
    }
  }
  return report;
}

void PrintRulesTestText(const RulesTestOptions& options, const RuleSet& rules,
                        const SitePolicy& policy, const RulesTestReport& report) {
  const SourceTally& total = report.total;
  std::cout << "rule pack " << rules.path() << " (version " << rules.version() << "), "
            << total.spam << " spam and " << total.ham << " ham from " << options.data.size()
            << (options.data.size() == 1 ? " file" : " files") << "\n\n";
  size_t id_width = 4, kind_width = 4;
  for (const std::string& id : report.order) {
    id_width = std::max(id_width, id.size());
    kind_width = std::max(kind_width, report.rules.at(id).kind.size());
  }
  char line[512];
  std::snprintf(line, sizeof line, "%-*s  %-*s  %7s  %10s  %8s  %9s  %12s\n",
                static_cast<int>(id_width), "rule", static_cast<int>(kind_width), "kind", "score",
                "spam hits", "spam %", "ham hits", "ham hit rate");
  std::cout << line;
  for (const std::string& id : report.order) {
    const RuleHits& hits = report.rules.at(id);
    std::snprintf(line, sizeof line, "%-*s  %-*s  %+7.2f  %10d  %8s  %9d  %12s\n",
                  static_cast<int>(id_width), id.c_str(), static_cast<int>(kind_width),
                  hits.kind.c_str(), hits.score, hits.spam_hits,
                  Percent(hits.spam_hits, total.spam).c_str(), hits.ham_hits,
                  Percent(hits.ham_hits, total.ham).c_str());
    std::cout << line;
    for (const std::string& example : hits.ham_examples) {
      std::cout << "    ham: " << MarkSpans(example, {}, RenderOptions{}) << "\n";
    }
  }
  std::snprintf(line, sizeof line, "summed score >= %+.2f = spam threshold %.2f",
                Logit(policy.spam_threshold), policy.spam_threshold);
  std::cout << "\nflagged by the rules alone (" << line << " of the "
            << (options.site_id.empty() ? "default" : "site '" + options.site_id + "'")
            << " policy):\n";
  std::cout << "  ham flagged: " << Percent(total.ham_flagged, total.ham) << " ("
            << total.ham_flagged << " of " << total.ham << ")\n";
  std::cout << "  spam caught: " << Percent(total.spam_caught, total.spam) << " ("
            << total.spam_caught << " of " << total.spam << ")\n";
  if (report.sources.size() > 1 || !report.sources.begin()->first.empty()) {
    std::cout << "  by source:\n";
    for (const auto& [source, tally] : report.sources) {
      std::cout << "    " << (source.empty() ? "(none)" : source) << ": " << TallyLine(tally)
                << "\n";
    }
  }
}

nlohmann::ordered_json RulesTestJson(const RulesTestOptions& options, const RuleSet& rules,
                                     const SitePolicy& policy, const RulesTestReport& report) {
  auto tally_json = [](const SourceTally& tally) {
    return nlohmann::ordered_json{{"spam", tally.spam},
                                  {"spam_caught", tally.spam_caught},
                                  {"spam_caught_rate", Share(tally.spam_caught, tally.spam)},
                                  {"ham", tally.ham},
                                  {"ham_flagged", tally.ham_flagged},
                                  {"ham_flagged_rate", Share(tally.ham_flagged, tally.ham)}};
  };
  nlohmann::ordered_json rule_list = nlohmann::ordered_json::array();
  for (const std::string& id : report.order) {
    const RuleHits& hits = report.rules.at(id);
    nlohmann::ordered_json rule = {{"id", id},
                                   {"kind", hits.kind},
                                   {"score", hits.score},
                                   {"description", hits.description},
                                   {"spam_hits", hits.spam_hits},
                                   {"spam_hit_rate", Share(hits.spam_hits, report.total.spam)},
                                   {"ham_hits", hits.ham_hits},
                                   {"ham_hit_rate", Share(hits.ham_hits, report.total.ham)}};
    if (options.examples > 0) rule["ham_examples"] = hits.ham_examples;
    rule_list.push_back(std::move(rule));
  }
  nlohmann::ordered_json sources = nlohmann::ordered_json::object();
  for (const auto& [source, tally] : report.sources) sources[source] = tally_json(tally);
  return {{"rules_path", rules.path()},
          {"rules_version", rules.version()},
          {"data", options.data},
          {"site_id", options.site_id},
          {"spam_threshold", policy.spam_threshold},
          {"spam_threshold_log_odds", Logit(policy.spam_threshold)},
          {"rules", std::move(rule_list)},
          {"pack", tally_json(report.total)},
          {"by_source", std::move(sources)}};
}

void RunRulesTestCommand(const RulesTestOptions& options) {
  const std::string command = "rules test";
  const std::shared_ptr<const TextPipeline> pipeline = CreatePipeline(command);
  const std::shared_ptr<const RuleSet> rules = LoadRules(command, options.rules, *pipeline);
  std::vector<LabeledExample> examples;
  for (const std::string& path : options.data) {
    Result<std::vector<LabeledExample>> loaded = LoadLabeledFile(path);
    if (!loaded.ok()) Fail(command, loaded.status().message());
    std::move(loaded->begin(), loaded->end(), std::back_inserter(examples));
  }
  if (examples.empty()) Fail(command, "the data files hold no labeled comments");
  // A typo would otherwise report the default policy's figures under the site's name.
  if (!options.site_id.empty() && !rules->HasSitePolicy(options.site_id)) {
    Fail(command, rules->path() + " has no policy for site '" + options.site_id +
                      "' (no entry under 'sites:')");
  }
  const RulesTestReport report = RunRulesTest(options, *pipeline, *rules, examples);
  const SitePolicy& policy = rules->PolicyFor(options.site_id);
  if (options.json) {
    std::cout << DumpJsonLine(RulesTestJson(options, *rules, policy, report)) << "\n";
  } else {
    PrintRulesTestText(options, *rules, policy, report);
  }
}

struct RulesCheckOptions {
  std::string rules = kDefaultRules;
  bool strict = false;
  bool json = false;
};

void RunRulesCheckCommand(const RulesCheckOptions& options) {
  const std::string command = "rules check";
  const std::shared_ptr<const TextPipeline> pipeline = CreatePipeline(command);
  const std::shared_ptr<const RuleSet> rules = LoadRules(command, options.rules, *pipeline);
  const LoadReport& report = rules->report();
  if (options.json) {
    std::cout << DumpJsonLine({{"path", rules->path()},
                               {"version", rules->version()},
                               {"active_rules", report.active_rules()},
                               {"active_rules_by_kind", report.active_rules_by_kind},
                               {"skipped", report.skipped}})
              << "\n";
  } else {
    std::cout << rules->path() << ": version " << rules->version() << ", " << report.active_rules()
              << " active rules\n";
    size_t kind_width = 0;
    for (const auto& [kind, count] : report.active_rules_by_kind) {
      kind_width = std::max(kind_width, kind.size());
    }
    for (const auto& [kind, count] : report.active_rules_by_kind) {
      std::cout << "  " << kind << std::string(kind_width - kind.size() + 2, ' ') << count << "\n";
    }
    std::cout << report.skipped.size()
              << (report.skipped.size() == 1 ? " pattern skipped" : " patterns skipped")
              << (report.skipped.empty() ? "\n" : ":\n");
    for (const std::string& skipped : report.skipped) std::cout << "  " << skipped << "\n";
  }
  std::cout.flush();
  if (options.strict && !report.skipped.empty()) {
    Fail(command, std::to_string(report.skipped.size()) +
                      " patterns were skipped (--strict); the first: " + report.skipped.front());
  }
}

// --- status and reload ---------------------------------------------------------------------

struct StatusOptions {
  ServerOptions server;
  bool json = false;
};

nlohmann::ordered_json StatusJson(const pb::GetStatusResponse& status) {
  const pb::ModelMetrics& metrics = status.model_metrics();
  return {{"model_version", status.model_version()},
          {"model_path", status.model_path()},
          {"model_loaded_at", TimestampText(status.model_loaded_at())},
          {"model_metrics",
           {{"precision", metrics.precision()},
            {"recall", metrics.recall()},
            {"f1", metrics.f1()},
            {"mcc", metrics.mcc()},
            {"ham_false_positive_rate", metrics.ham_false_positive_rate()},
            {"roc_auc", metrics.roc_auc()},
            {"calibration_error", metrics.calibration_error()}}},
          {"rules_version", status.rules_version()},
          {"rules_path", status.rules_path()},
          {"rules_loaded_at", TimestampText(status.rules_loaded_at())},
          {"rules_active", status.rules_active()},
          {"uptime_seconds", status.uptime_seconds()},
          {"checks",
           {{"ham", status.checks_ham()},
            {"hold", status.checks_hold()},
            {"spam", status.checks_spam()},
            {"discard", status.checks_discard()},
            {"refused_overload", status.checks_refused_overload()},
            {"abandoned_in_queue", status.checks_abandoned_in_queue()}}},
          {"feedback",
           {{"spam", status.feedback_spam()},
            {"ham", status.feedback_ham()},
            {"check_records_dropped", status.check_records_dropped()}}}};
}

void PrintStatusText(const std::string& address, const pb::GetStatusResponse& status) {
  const pb::ModelMetrics& metrics = status.model_metrics();
  char figures[256];
  std::snprintf(figures, sizeof figures,
                "precision %.3f  recall %.3f  F1 %.3f  MCC %.3f  ham FPR %.4f  ROC-AUC %.3f  "
                "calibration error %.3f",
                metrics.precision(), metrics.recall(), metrics.f1(), metrics.mcc(),
                metrics.ham_false_positive_rate(), metrics.roc_auc(), metrics.calibration_error());
  auto row = [](const std::string& label, const std::string& value) {
    std::cout << label << std::string(label.size() < 10 ? 10 - label.size() : 1, ' ') << value
              << "\n";
  };
  row("server", address);
  row("uptime", DurationText(status.uptime_seconds()));
  row("model", status.model_version());
  row("  path", status.model_path());
  row("  loaded", TimestampText(status.model_loaded_at()));
  row("  metrics", figures);
  row("rules",
      status.rules_version() + " (" + std::to_string(status.rules_active()) + " active rules)");
  row("  path", status.rules_path());
  row("  loaded", TimestampText(status.rules_loaded_at()));
  row("checks", "ham " + std::to_string(status.checks_ham()) + "  hold " +
                    std::to_string(status.checks_hold()) + "  spam " +
                    std::to_string(status.checks_spam()) + "  discard " +
                    std::to_string(status.checks_discard()));
  row("  overload", "refused " + std::to_string(status.checks_refused_overload()) +
                        "  abandoned in queue " +
                        std::to_string(status.checks_abandoned_in_queue()));
  row("feedback", "spam " + std::to_string(status.feedback_spam()) + "  ham " +
                      std::to_string(status.feedback_ham()));
  row("  dropped",
      std::to_string(status.check_records_dropped()) + " check records (the disk fell behind)");
}

void RunStatusCommand(const StatusOptions& options) {
  auto stub = pb::Admin::NewStub(Connect(options.server));
  grpc::ClientContext context;
  SetDeadline(context, options.server);
  pb::GetStatusResponse response;
  const grpc::Status status = stub->GetStatus(&context, pb::GetStatusRequest(), &response);
  if (!status.ok()) Fail("status", DescribeRpcError(status));
  if (options.json) {
    std::cout << DumpJsonLine(StatusJson(response)) << "\n";
  } else {
    PrintStatusText(options.server.address, response);
  }
}

struct ReloadOptions {
  ServerOptions server;
  std::string version;
  bool json = false;
};

void RunReloadCommand(const ReloadOptions& options) {
  auto stub = pb::Admin::NewStub(Connect(options.server));
  grpc::ClientContext context;
  SetDeadline(context, options.server);
  pb::ReloadModelRequest request;
  request.set_model_version(options.version);
  pb::ReloadModelResponse response;
  const grpc::Status status = stub->ReloadModel(&context, request, &response);
  if (!status.ok()) Fail("reload", DescribeRpcError(status));
  if (options.json) {
    std::cout << DumpJsonLine({{"model_version", response.model_version()},
                               {"rules_version", response.rules_version()}})
              << "\n";
  } else {
    std::cout << "reloaded: model " << response.model_version() << ", rules "
              << response.rules_version() << "\n";
  }
}

}  // namespace

void AddCheckCommand(CLI::App& app) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* command = app.add_subcommand(
      "check",
      "Classify a comment (or a file of comments, one per line) with a local model or a server, "
      "and show why");
  command->add_option("text", options->text, "The comment text");
  command->add_option("--file", options->file, "Check every non-blank line of FILE ('-': stdin)");
  command
      ->add_option("--model", options->model,
                   "Local model: a model file or a model store directory (serves its current "
                   "version)")
      ->capture_default_str();
  command->add_option("--rules", options->rules, "Rule pack for local checks")
      ->capture_default_str();
  command->add_flag("--no-rules", options->no_rules, "Local check with the model alone");
  command
      ->add_option("--server", options->server.address,
                   "Ask this server (HOST:PORT) instead of a local model")
      ->check(ServerAddress())
      ->each([options](const std::string&) { options->use_server = true; });
  command
      ->add_option("--timeout", options->server.timeout_seconds,
                   "With --server: deadline in seconds of the call (for --file, of the whole "
                   "stream; at most " +
                       std::to_string(static_cast<int>(kMaxTimeoutSeconds)) + ")")
      ->capture_default_str()
      ->check(TimeoutSeconds());
  command->add_flag("--test", options->is_test,
                    "With --server: mark the check as a test (the server stores and counts "
                    "nothing, and returns no check id)");
  command->add_option("--site", options->site_id, "Site id: selects that site's policy");
  command->add_option("--author-name", options->author_name, "Author name");
  command->add_option("--author-email", options->author_email, "Author e-mail address");
  command->add_option("--author-url", options->author_url, "Author website URL");
  command->add_option("--ip", options->ip, "Client IP address (IPv4 or IPv6)");
  command->add_option("--user-agent", options->user_agent,
                      "The reader's browser user agent (read by user-agent rules)");
  command->add_option("--permalink", options->permalink,
                      "URL of the post the comment is under (read by own-site-links)");
  command->add_flag("--json", options->json, "Print one JSON object per comment");
  command->callback([options] {
    const std::vector<InputText> inputs = ReadInputs(*options);
    if (options->use_server) {
      CheckOnServer(*options, inputs);
    } else {
      CheckLocally(*options, inputs);
    }
  });
}

void AddStatusCommand(CLI::App& app) {
  auto options = std::make_shared<StatusOptions>();
  CLI::App* command = app.add_subcommand(
      "status", "Show what a server is serving: model and rules versions, figures, counts");
  AddServerOptions(*command, options->server, "Server to ask");
  command->add_flag("--json", options->json, "Print one JSON object");
  command->callback([options] { RunStatusCommand(*options); });
}

void AddReloadCommand(CLI::App& app) {
  auto options = std::make_shared<ReloadOptions>();
  CLI::App* command = app.add_subcommand(
      "reload",
      "Make a server load its model (or a named version) and rule pack now; a bad file is "
      "refused and the old ones keep serving");
  AddServerOptions(*command, options->server, "Server to reload");
  command->add_option("--version", options->version,
                      "Model version from the server's store, or a model file path (default: "
                      "the server's configured --model)");
  command->add_flag("--json", options->json, "Print one JSON object");
  command->callback([options] { RunReloadCommand(*options); });
}

void AddRulesCommand(CLI::App& app) {
  CLI::App* rules = app.add_subcommand("rules", "Try and validate rule packs");
  rules->require_subcommand(1);

  auto test_options = std::make_shared<RulesTestOptions>();
  CLI::App* test = rules->add_subcommand(
      "test",
      "Run a rule pack over labeled data (TSV label<TAB>text[<TAB>source] with a header, JSONL "
      "or fastText format) and "
      "show each rule's hits on spam and ham, and how much ham the rules alone flag");
  test->add_option("--rules", test_options->rules, "Rule pack")->capture_default_str();
  test->add_option("data", test_options->data, "Labeled data files (TSV, JSONL or fastText)")
      ->required();
  test->add_option("--site", test_options->site_id,
                   "Apply this site's score overrides, lists and thresholds");
  test->add_option("--examples", test_options->examples,
                   "Show up to N ham texts each rule fired on (at most " +
                       std::to_string(kMaxRuleExamples) + ")")
      ->check(WholeNumberIn(0, kMaxRuleExamples));
  test->add_flag("--json", test_options->json, "Print one JSON object");
  test->callback([test_options] { RunRulesTestCommand(*test_options); });

  auto check_options = std::make_shared<RulesCheckOptions>();
  CLI::App* check = rules->add_subcommand(
      "check",
      "Load a rule pack and show its version, active rules per kind and every skipped "
      "pattern; fails when the pack is refused");
  check->add_option("--rules", check_options->rules, "Rule pack")->capture_default_str();
  check->add_flag("--strict", check_options->strict, "Also fail when any pattern was skipped");
  check->add_flag("--json", check_options->json, "Print one JSON object");
  check->callback([check_options] { RunRulesCheckCommand(*check_options); });
}

}  // namespace spamguard::cli
