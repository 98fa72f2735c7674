#include "server/serving_classifier.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <utility>

#include "model/model_store.h"
#include "model/rule_set.h"
#include "model/spam_model.h"
#include "model/unix_time.h"
#include "server/server_log.h"

namespace spamguard::server {
namespace {

// Messages and the log quote a requested model name or path whole up to this many bytes,
// a longer one by its first kQuotedPrefixBytes and its length. The request is the caller's,
// up to the string limit: echoed whole, a 10 KB name made gRPC refuse the error's own
// metadata (the client saw RESOURCE_EXHAUSTED), and filled the log.
constexpr size_t kQuotedRequestBytes = 128;
constexpr size_t kQuotedPrefixBytes = 64;

// request whole when it is short; else its start (never a split UTF-8 sequence) and its
// length.
std::string QuotedRequest(const std::string& request) {
  if (request.size() <= kQuotedRequestBytes) return request;
  size_t end = kQuotedPrefixBytes;
  while (end > 0 && (static_cast<unsigned char>(request[end]) & 0xC0) == 0x80) --end;
  return request.substr(0, end) + "... (" + std::to_string(request.size()) + " bytes)";
}

// status, its message with every occurrence of request quoted by QuotedRequest.
Status WithQuotedRequest(const Status& status, const std::string& request) {
  if (status.ok() || request.size() <= kQuotedRequestBytes) return status;
  const std::string quoted = QuotedRequest(request);
  std::string message = status.message();
  for (size_t at = message.find(request); at != std::string::npos;
       at = message.find(request, at + quoted.size())) {
    message.replace(at, request.size(), quoted);
  }
  return status.WithMessage(std::move(message));
}

}  // namespace

ServingClassifier::ServingClassifier(std::shared_ptr<const TextPipeline> pipeline,
                                     std::shared_ptr<DuplicateWindow> duplicates,
                                     std::string model_argument, std::string rules_path,
                                     std::function<void(bool)> on_serving)
    : pipeline_(std::move(pipeline)),
      duplicates_(std::move(duplicates)),
      model_argument_(std::move(model_argument)),
      rules_path_(std::move(rules_path)),
      on_serving_(std::move(on_serving)) {}

ServingClassifier::~ServingClassifier() {
  BeginShutdown();
  if (background_.joinable()) background_.join();
}

void ServingClassifier::BeginShutdown() {
  std::deque<Job> abandoned;
  {
    std::lock_guard lock(jobs_mutex_);
    stopping_ = true;
    abandoned.swap(jobs_);
  }
  jobs_wake_.notify_all();
  // Outside the lock: a done callback finishes an RPC.
  for (Job& job : abandoned) {
    for (LoadDone& done : job.done) {
      if (done) done(Status::Unavailable("the server is shutting down"));
    }
  }
}

std::shared_ptr<const ClassifierGeneration> ServingClassifier::current() const {
  std::lock_guard lock(current_mutex_);
  return current_;
}

Result<std::string> ServingClassifier::ResolveRequest(const std::string& model_request) const {
  if (model_request.empty()) return ResolveModelPath(model_argument_);
  std::error_code error;
  if (std::filesystem::exists(model_request, error)) return ResolveModelPath(model_request);
  // A version name never holds a '/'; a path that does not exist is simply not there.
  if (model_request.find('/') != std::string::npos) {
    return Status::NotFound("no model file or model store at " + model_request);
  }
  return ResolveModelVersion(model_argument_, model_request);
}

Result<std::shared_ptr<const ClassifierGeneration>> ServingClassifier::LoadNow(
    const std::string& model_request) {
  std::lock_guard load_lock(load_mutex_);
  Result<std::shared_ptr<const ClassifierGeneration>> loaded = Load(model_request);
  if (!loaded.ok()) return WithQuotedRequest(loaded.status(), model_request);
  return loaded;
}

Result<std::shared_ptr<const ClassifierGeneration>> ServingClassifier::Load(
    const std::string& model_request) {
  if (model_request.empty()) watched_link_target_ = ReadCurrentLink();
  Result<std::string> model_path = ResolveRequest(model_request);
  if (!model_path.ok()) return model_path.status();
  Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load(*model_path);
  if (!model.ok()) return model.status();
  Result<std::shared_ptr<const RuleSet>> rules =
      RuleSet::LoadFile(rules_path_, pipeline_->normalizer(), pipeline_->extractor());
  // The pack is the server's own file, whatever the caller asked for: a missing or invalid
  // one is a precondition of serving, not the caller's NOT_FOUND or INVALID_ARGUMENT.
  if (!rules.ok()) return Status::FailedPrecondition(rules.status().message());

  auto generation = std::make_shared<ClassifierGeneration>();
  generation->classifier =
      std::make_shared<const CommentClassifier>(pipeline_, *model, *rules, duplicates_);
  // Through `current` resolved, so that status and logs name the version directory.
  std::error_code error;
  const std::filesystem::path canonical = std::filesystem::canonical(*model_path, error);
  generation->model_path = error ? *model_path : canonical.string();
  generation->loaded_at_ms = UnixNowMs();
  {
    std::lock_guard lock(current_mutex_);
    current_ = generation;
  }
  const RuleSet& loaded_rules = **rules;
  LogLine("model: " + generation->model_path + " version " + (*model)->info().version);
  LogLine("rules: " + loaded_rules.path() + " version " + loaded_rules.version() + ", " +
          std::to_string(loaded_rules.report().active_rules()) + " active rules");
  // The skipped patterns are listed once per pack version: a reload of the same pack (every
  // model publish, every SIGHUP) would otherwise repeat the whole list.
  const std::vector<std::string>& skipped = loaded_rules.report().skipped;
  if (loaded_rules.version() != skipped_listed_for_version_) {
    for (const std::string& line : skipped) LogLine("rules: skipped " + line);
    skipped_listed_for_version_ = loaded_rules.version();
  } else if (!skipped.empty()) {
    LogLine("rules: " + std::to_string(skipped.size()) +
            " patterns skipped, as listed when this version was first loaded");
  }
  if (on_serving_) on_serving_(true);
  return std::shared_ptr<const ClassifierGeneration>(generation);
}

std::string ServingClassifier::ReadCurrentLink() const {
  const std::string link = (std::filesystem::path(model_argument_) / kCurrentLinkName).string();
  char buffer[4096];
  const ssize_t length = readlink(link.c_str(), buffer, sizeof buffer - 1);
  if (length <= 0) return "";
  return std::string(buffer, static_cast<size_t>(length));
}

void ServingClassifier::StartBackground(int64_t watch_interval_ms) {
  background_ = std::thread([this, watch_interval_ms] { RunBackground(watch_interval_ms); });
}

void ServingClassifier::EnqueueReload(std::string model_request, LoadDone done) {
  {
    std::lock_guard lock(jobs_mutex_);
    if (!stopping_) {
      auto job = std::find_if(jobs_.begin(), jobs_.end(), [&](const Job& queued) {
        return queued.model_request == model_request;
      });
      if (job == jobs_.end()) job = jobs_.insert(jobs_.end(), Job{std::move(model_request), {}});
      job->done.push_back(std::move(done));
      done = nullptr;
    }
  }
  if (done) {
    done(Status::Unavailable("the server is shutting down"));
    return;
  }
  jobs_wake_.notify_one();
}

void ServingClassifier::RunBackground(int64_t watch_interval_ms) {
  for (;;) {
    Job job;
    bool have_job = false;
    {
      std::unique_lock lock(jobs_mutex_);
      jobs_wake_.wait_for(lock, std::chrono::milliseconds(watch_interval_ms),
                          [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      if (!jobs_.empty()) {
        job = std::move(jobs_.front());
        jobs_.pop_front();
        have_job = true;
      }
    }
    if (have_job) {
      auto result = LoadNow(job.model_request);
      if (!result.ok()) LogLine("reload refused: " + result.status().message());
      for (LoadDone& done : job.done) {
        if (done) done(result);
      }
      continue;
    }
    // A publish or rollback switched the store's `current` link: serve the new target.
    // A target that fails to load is logged once and not retried until the link changes.
    const std::string target = ReadCurrentLink();
    bool switched = false;
    {
      std::lock_guard load_lock(load_mutex_);
      switched = !target.empty() && target != watched_link_target_;
    }
    if (switched) {
      LogLine("model store: current -> " + target + "; reloading");
      auto result = LoadNow("");
      if (!result.ok()) LogLine("reload refused: " + result.status().message());
    }
  }
}

}  // namespace spamguard::server
