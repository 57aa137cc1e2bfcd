#include "tools/store/merged_days_cache.h"

#include <algorithm>
#include <utility>

namespace microconv {
namespace {

bool SameVersions(const DayVersions& a, const DayVersions& b) {
  return a.epoch == b.epoch && a.days == b.days;
}

}  // namespace

std::shared_ptr<const MergedDays> MergedDaysCache::Find(const MergedDaysKey& key,
                                                        const DayVersions& versions) {
  std::lock_guard lock(mutex_);
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&key](const Entry& entry) { return entry.key == key; });
  if (it == entries_.end()) return nullptr;
  if (!SameVersions(it->versions, versions)) {
    entries_.erase(it);
    return nullptr;
  }
  it->used = ++use_clock_;
  ++hits_;
  return it->merged;
}

void MergedDaysCache::Store(const MergedDaysKey& key, const DayVersions& versions,
                            std::shared_ptr<const MergedDays> merged) {
  if (max_entries_ == 0) return;
  std::lock_guard lock(mutex_);
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&key](const Entry& entry) { return entry.key == key; });
  if (it == entries_.end()) {
    if (entries_.size() >= max_entries_) {
      it = std::min_element(entries_.begin(), entries_.end(),
                            [](const Entry& a, const Entry& b) { return a.used < b.used; });
    } else {
      it = entries_.insert(entries_.end(), Entry{});
    }
  }
  *it = Entry{key, versions, std::move(merged), ++use_clock_};
}

size_t MergedDaysCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

uint64_t MergedDaysCache::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

}  // namespace microconv
