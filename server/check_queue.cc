#include "server/check_queue.h"

#include <algorithm>
#include <utility>

namespace spamguard::server {

CheckQueue::CheckQueue(size_t workers, size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {
  const size_t count = std::max<size_t>(workers, 1);
  workers_.reserve(count);
  for (size_t i = 0; i < count; ++i) workers_.emplace_back([this] { Work(); });
}

CheckQueue::~CheckQueue() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

bool CheckQueue::TrySubmit(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || jobs_.size() >= capacity_) return false;
    jobs_.push_back(std::move(job));
  }
  ready_.notify_one();
  return true;
}

void CheckQueue::Work() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      // Stopping still runs what was queued: every accepted call gets its answer.
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace spamguard::server
