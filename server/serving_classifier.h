// ServingClassifier: the CommentClassifier requests are answered with, and the one way to
// replace it (ReloadModel, SIGHUP, a new target of the model store's `current` link).
//
// Swap protocol: a reload loads the model and the rule pack completely, builds a new
// CommentClassifier, and only then replaces the shared pointer (under a mutex held for the
// pointer copy only). A request holds its own shared_ptr for the whole call, so in-flight
// requests finish on the generation they started with, and a request never waits for a
// load. A load that fails leaves the serving generation untouched.
//
// Thread safety: current() may be called from any thread at any rate. Reloads are
// serialized: they run on the background thread (Enqueue*) or in the caller (LoadNow).
#ifndef SPAMGUARD_SERVER_SERVING_CLASSIFIER_H_
#define SPAMGUARD_SERVER_SERVING_CLASSIFIER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model/comment_classifier.h"
#include "model/status.h"

namespace spamguard::server {

// One loaded model + rule pack, immutable once published.
struct ClassifierGeneration {
  std::shared_ptr<const CommentClassifier> classifier;
  std::string model_path;    // the resolved model file
  int64_t loaded_at_ms = 0;  // when model and rules finished loading, Unix ms
};

class ServingClassifier {
 public:
  using LoadDone = std::function<void(Result<std::shared_ptr<const ClassifierGeneration>>)>;

  // model_argument: the --model value (a file or a store directory). on_serving runs (on the
  // loading thread) with true after every successful load; it drives the health status.
  ServingClassifier(std::shared_ptr<const TextPipeline> pipeline,
                    std::shared_ptr<DuplicateWindow> duplicates, std::string model_argument,
                    std::string rules_path, std::function<void(bool)> on_serving);
  // BeginShutdown(), then waits for a load still running.
  ~ServingClassifier();
  ServingClassifier(const ServingClassifier&) = delete;
  ServingClassifier& operator=(const ServingClassifier&) = delete;

  // The serving generation; null until a load has succeeded.
  std::shared_ptr<const ClassifierGeneration> current() const;

  // Loads and swaps in the calling thread. model_request: empty for the configured model
  // (the store's current version), a version name in the store, or a model file path.
  // Errors name the file: kNotFound, kCorruption, kFailedPrecondition, kInvalidArgument (bad
  // rule pack), kIoError. On error the serving generation is unchanged. A model_request
  // longer than 128 bytes is quoted in the message by its start and its length only.
  Result<std::shared_ptr<const ClassifierGeneration>> LoadNow(const std::string& model_request);

  // Starts the background thread that runs queued reloads and, when --model is a store
  // directory, polls its `current` link every watch_interval_ms and reloads on a change.
  void StartBackground(int64_t watch_interval_ms);
  // Queues a reload for the background thread; done (may be null) runs there afterwards.
  // After BeginShutdown(), done runs at once, in the caller, with kUnavailable.
  void EnqueueReload(std::string model_request, LoadDone done);
  // The server is shutting down: the background thread takes no more reloads and stops
  // watching the model store, and every reload still queued never runs: its done runs now,
  // in the caller, with kUnavailable "the server is shutting down". A load already running
  // finishes and answers as usual; this does not wait for it. Idempotent.
  void BeginShutdown();

  const std::string& model_argument() const { return model_argument_; }
  const std::string& rules_path() const { return rules_path_; }

 private:
  // One load and everyone waiting for it: a reload asked for while an identical one is
  // still queued joins it (300 ReloadModel calls once took 49 s, one load after another).
  struct Job {
    std::string model_request;
    std::vector<LoadDone> done;
  };
  // LoadNow's work, under load_mutex_, with messages that quote model_request whole.
  Result<std::shared_ptr<const ClassifierGeneration>> Load(const std::string& model_request);
  Result<std::string> ResolveRequest(const std::string& model_request) const;
  std::string ReadCurrentLink() const;  // "" when --model is not a store or has no link
  void RunBackground(int64_t watch_interval_ms);

  const std::shared_ptr<const TextPipeline> pipeline_;
  const std::shared_ptr<DuplicateWindow> duplicates_;
  const std::string model_argument_;
  const std::string rules_path_;
  const std::function<void(bool)> on_serving_;

  mutable std::mutex current_mutex_;
  std::shared_ptr<const ClassifierGeneration> current_;  // guarded by current_mutex_

  std::mutex load_mutex_;                   // serializes loads
  std::string skipped_listed_for_version_;  // rules version whose skipped patterns were
                                            // logged; guarded by load_mutex_
  // The store's `current` target as read just before the last load of the configured model
  // resolved it; the watch reloads when the link differs. Read before, not after: a link
  // switched during a load is then seen as a change, never recorded as already loaded.
  std::string watched_link_target_;  // guarded by load_mutex_

  std::mutex jobs_mutex_;
  std::condition_variable jobs_wake_;
  std::deque<Job> jobs_;   // guarded by jobs_mutex_
  bool stopping_ = false;  // guarded by jobs_mutex_
  std::thread background_;
};

}  // namespace spamguard::server

#endif  // SPAMGUARD_SERVER_SERVING_CLASSIFIER_H_
