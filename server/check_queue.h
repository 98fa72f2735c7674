// CheckQueue: the bounded queue and worker threads that classify comments off gRPC's own
// threads, and the server's overload rule.
//
// Why: gRPC runs callback handlers on the threads that also read the sockets. Classifying
// inline meant that a flood of expensive requests (64 KiB of U+FDFA, ~40 ms each) kept
// those threads busy for as long as the backlog lasted: 8 connections of 128 such streams
// held a 2-core server for ~40 s after the client had gone, and live calls with a 1 s
// deadline all expired. With the queue, a handler only parses, validates and enqueues;
// when `capacity` jobs are already waiting the call is refused at once with
// RESOURCE_EXHAUSTED (the API's "overload; retry with back-off"), and a worker skips a job
// whose call was cancelled or whose deadline passed while it waited.
//
// Contract: TrySubmit() either queues the job (a worker runs it exactly once, in FIFO
// order) or returns false without running it. The destructor stops taking jobs, runs every
// job already queued, and joins the workers.
//
// Thread safety: every method may be called from any thread.
#ifndef SPAMGUARD_SERVER_CHECK_QUEUE_H_
#define SPAMGUARD_SERVER_CHECK_QUEUE_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace spamguard::server {

class CheckQueue {
 public:
  // `workers` threads (at least 1); at most `capacity` jobs waiting (at least 1).
  CheckQueue(size_t workers, size_t capacity);
  ~CheckQueue();
  CheckQueue(const CheckQueue&) = delete;
  CheckQueue& operator=(const CheckQueue&) = delete;

  // Queues `job`; false (and `job` is not run) when `capacity` jobs are already waiting or
  // the queue is being destroyed.
  bool TrySubmit(std::function<void()> job);

  size_t capacity() const { return capacity_; }
  size_t workers() const { return workers_.size(); }

 private:
  void Work();

  const size_t capacity_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace spamguard::server

#endif  // SPAMGUARD_SERVER_CHECK_QUEUE_H_
