// DuplicateWindow: a bounded, in-memory record of recently seen comment texts (by hash of
// their normalized form, across all sites), for the duplicate-content rule.
//
// Bounds: entries older than the retention are dropped, and at most max_entries sightings
// are kept (the oldest are evicted first), so memory stays below roughly
// max_entries * 128 bytes whatever the traffic. A query can look back at most retention_ms:
// a longer within_ms sees only what the retention kept.
//
// Thread safety: all methods are safe to call concurrently (internally locked).
#ifndef SPAMGUARD_MODEL_DUPLICATE_WINDOW_H_
#define SPAMGUARD_MODEL_DUPLICATE_WINDOW_H_

#include <cstdint>
#include <deque>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace spamguard {

class DuplicateWindow {
 public:
  DuplicateWindow(int64_t retention_ms, size_t max_entries);

  // How many times text was seen in (now_ms - within_ms, now_ms], not counting this call;
  // then, when record is true, records this sighting.
  int CountAndRecord(std::string_view normalized_text, int64_t now_ms, int64_t within_ms,
                     bool record);

  size_t size() const;

 private:
  void EvictLocked(int64_t now_ms);
  void ForgetOldestLocked();
  struct Sighting {
    uint64_t hash;
    int64_t at_ms;
  };
  const int64_t retention_ms_;
  const size_t max_entries_;
  mutable std::mutex mutex_;
  std::deque<Sighting> sightings_;  // in recording order, for eviction
  // Per text hash, the times it was seen, ascending; mirrors sightings_ exactly.
  std::unordered_map<uint64_t, std::vector<int64_t>> times_by_hash_;
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_DUPLICATE_WINDOW_H_
