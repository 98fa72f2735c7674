#include "model/duplicate_window.h"

#include <algorithm>

#include "model/fnv_hash.h"

namespace spamguard {

DuplicateWindow::DuplicateWindow(int64_t retention_ms, size_t max_entries)
    : retention_ms_(std::max<int64_t>(retention_ms, 0)),
      max_entries_(std::max<size_t>(max_entries, 1)) {}

int DuplicateWindow::CountAndRecord(std::string_view normalized_text, int64_t now_ms,
                                    int64_t within_ms, bool record) {
  // FNV-1a 64 tells texts apart well enough: a collision only makes two different texts
  // count as one, which needs about 2^32 distinct texts in the window.
  const uint64_t hash = Fnv1a64(normalized_text);
  std::lock_guard<std::mutex> lock(mutex_);
  EvictLocked(now_ms);

  int count = 0;
  auto it = times_by_hash_.find(hash);
  if (it != times_by_hash_.end()) {
    const std::vector<int64_t>& times = it->second;
    // Times are kept sorted, so the sightings in (now - within, now] are a contiguous run.
    const auto end = std::upper_bound(times.begin(), times.end(), now_ms);
    const auto begin = std::upper_bound(times.begin(), end, now_ms - within_ms);
    count = static_cast<int>(end - begin);
  }

  if (record) {
    std::vector<int64_t>& times = times_by_hash_[hash];
    times.insert(std::upper_bound(times.begin(), times.end(), now_ms), now_ms);
    sightings_.push_back(Sighting{hash, now_ms});
    while (sightings_.size() > max_entries_) ForgetOldestLocked();
  }
  return count;
}

size_t DuplicateWindow::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sightings_.size();
}

void DuplicateWindow::EvictLocked(int64_t now_ms) {
  const int64_t cutoff = now_ms - retention_ms_;
  while (!sightings_.empty() && sightings_.front().at_ms <= cutoff) ForgetOldestLocked();
}

void DuplicateWindow::ForgetOldestLocked() {
  const Sighting oldest = sightings_.front();
  sightings_.pop_front();
  auto it = times_by_hash_.find(oldest.hash);
  if (it == times_by_hash_.end()) return;
  std::vector<int64_t>& times = it->second;
  auto at = std::lower_bound(times.begin(), times.end(), oldest.at_ms);
  if (at != times.end() && *at == oldest.at_ms) times.erase(at);
  if (times.empty()) times_by_hash_.erase(it);
}

}  // namespace spamguard
