// The capped string-keyed map of aggregates: attacker-controlled strings
// (paths, referrers, UTM values, element and field names) are kept up to a
// cap, and what the cap leaves out is counted, not lost.
#ifndef MICROCONV_CORE_CAPPED_STRING_MAP_H_
#define MICROCONV_CORE_CAPPED_STRING_MAP_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace microconv {

// A map from attacker-controlled strings to additive values with at most
// `cap` keys. The rule that keeps it mergeable: it holds exactly the `cap`
// keys that come first in (FNV-1a 64 hash, bytes) order among all keys ever
// added or merged, with exact values for each; the values of the other keys
// are summed into overflow(). A key kept in the union was kept in every part
// that saw it, so Merge is associative and commutative. Below the cap (the
// normal case) every key is exact; above it (a flood of distinct junk) the
// kept keys are a deterministic pseudo-random sample.
template <typename V>
class CappedStringMap {
 public:
  explicit CappedStringMap(size_t cap = 0) : cap_(cap) {}
  // Copies drop the eviction heap (it points into the source's keys).
  CappedStringMap(const CappedStringMap& o) : cap_(o.cap_), map_(o.map_), overflow_(o.overflow_) {}
  CappedStringMap& operator=(const CappedStringMap& o) {
    if (this != &o) {
      cap_ = o.cap_;
      map_ = o.map_;
      overflow_ = o.overflow_;
      last_.clear();
    }
    return *this;
  }
  CappedStringMap(CappedStringMap&&) noexcept = default;
  CappedStringMap& operator=(CappedStringMap&&) noexcept = default;

  // The value of `key`, inserted if the cap rule keeps it; nullptr when the
  // rule drops it (then add the value to overflow()).
  V* Find(std::string_view key);
  // The value of `key`, or overflow() when the cap rule drops it: where an
  // addition to `key` belongs.
  V& ValueOrOverflow(std::string_view key) {
    V* value = Find(key);
    return value != nullptr ? *value : overflow_;
  }
  void Merge(const CappedStringMap& other);
  // Takes back what an earlier addition of `value` to `key` added (from the
  // key, or from overflow() when the cap rule dropped it: a key is either
  // kept with all its value or dropped with all of it, so this is exact).
  void Subtract(std::string_view key, const V& value);
  // Takes back a map whose every addition was also made to this one.
  void Unmerge(const CappedStringMap& other);

  size_t size() const noexcept { return map_.size(); }
  // Room for `n` keys (at most the cap) without rehashing as they come.
  void Reserve(size_t n) { map_.reserve(std::min(n, cap_)); }
  size_t cap() const noexcept { return cap_; }
  V& overflow() noexcept { return overflow_; }
  const V& overflow() const noexcept { return overflow_; }
  // Entries sorted by key bytes (the canonical order).
  std::vector<std::pair<std::string_view, const V*>> Sorted() const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>()(s);
    }
  };
  using Map = std::unordered_map<std::string, V, Hash, std::equal_to<>>;
  // A kept key in cap order (hash, then bytes).
  struct CapKey {
    uint64_t hash;
    std::string_view key;  // the map's own key: nodes never move
    bool operator<(const CapKey& o) const { return hash != o.hash ? hash < o.hash : key < o.key; }
  };
  // Builds last_ once the map is full.
  void BuildLast();

  size_t cap_;
  Map map_;
  V overflow_{};
  // Once the map is full: a max-heap of its keys in cap order, so the key to
  // evict is found in O(log n) (a linear scan per eviction made merging two
  // full maps quadratic: seconds for a report over 10,000 distinct paths).
  std::vector<CapKey> last_;
};

// FNV-1a 64: the cap order of CappedStringMap keys, the same in every build.
inline uint64_t KeyHash64(std::string_view key) noexcept {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

template <typename V>
V* CappedStringMap<V>::Find(std::string_view key) {
  auto it = map_.find(key);
  if (it != map_.end()) return &it->second;
  if (cap_ == 0) return nullptr;
  const uint64_t hash = KeyHash64(key);
  if (map_.size() >= cap_) {
    if (last_.empty()) BuildLast();
    const CapKey& last = last_.front();
    if (hash > last.hash || (hash == last.hash && key >= last.key)) return nullptr;
    // Evict the key that now comes last: its value joins the overflow.
    std::pop_heap(last_.begin(), last_.end());
    auto evicted = map_.find(last_.back().key);
    last_.pop_back();
    overflow_ += evicted->second;
    map_.erase(evicted);
  }
  auto inserted = map_.emplace(std::string(key), V{}).first;
  if (!last_.empty()) {
    last_.push_back({hash, inserted->first});
    std::push_heap(last_.begin(), last_.end());
  }
  return &inserted->second;
}

template <typename V>
void CappedStringMap<V>::BuildLast() {
  last_.clear();
  last_.reserve(map_.size() + 1);
  for (const auto& [key, value] : map_) last_.push_back({KeyHash64(key), key});
  std::make_heap(last_.begin(), last_.end());
}

template <typename V>
void CappedStringMap<V>::Subtract(std::string_view key, const V& value) {
  auto it = map_.find(key);
  if (it == map_.end()) {
    overflow_ -= value;
    return;
  }
  it->second -= value;
  // Below the cap nothing was ever dropped, so an emptied key may go; at
  // the cap it stays, or a dropped key could come back with part of its
  // value (the cap rule needs every key ever added).
  if (it->second == V{} && map_.size() < cap_) map_.erase(it);
}

template <typename V>
void CappedStringMap<V>::Merge(const CappedStringMap& other) {
  if (&other == this) {
    const CappedStringMap copy = other;
    Merge(copy);
    return;
  }
  // Merged into an empty map (a range's first day): a copy, as other's keys
  // already follow the cap rule.
  if (map_.empty() && overflow_ == V{} && other.map_.size() <= cap_) {
    map_ = other.map_;
    overflow_ = other.overflow_;
    last_.clear();
    return;
  }
  // Room grown geometrically: sized to each merge's sum, a range merged
  // day by day rehashed its map once per day.
  const size_t needed = std::min(cap_, map_.size() + other.map_.size());
  if (needed > map_.size()) map_.reserve(std::min(cap_, std::max(needed, 2 * map_.size())));
  for (const auto& [key, value] : other.map_) ValueOrOverflow(key) += value;
  overflow_ += other.overflow_;
}

template <typename V>
void CappedStringMap<V>::Unmerge(const CappedStringMap& other) {
  if (&other == this) {
    *this = CappedStringMap(cap_);
    return;
  }
  for (const auto& [key, value] : other.map_) Subtract(key, value);
  overflow_ -= other.overflow_;
}

template <typename V>
std::vector<std::pair<std::string_view, const V*>> CappedStringMap<V>::Sorted() const {
  // Sorted on each key's first 8 bytes as one big-endian number (zero
  // padded), bytes compared only on a tie: the same order as comparing the
  // bytes, without a memcmp call per comparison (sorting was ~30 % of
  // encoding and decoding a day aggregate of 4,096 varied sessions).
  struct Entry {
    uint64_t prefix;
    std::string_view key;
    const V* value;
  };
  std::vector<Entry> entries;
  entries.reserve(map_.size());
  for (const auto& [key, value] : map_) {
    uint64_t prefix = 0;
    for (size_t i = 0; i < 8; ++i) {
      prefix = prefix << 8 | (i < key.size() ? static_cast<unsigned char>(key[i]) : 0u);
    }
    entries.push_back({prefix, key, &value});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.prefix != b.prefix ? a.prefix < b.prefix : a.key < b.key;
  });
  std::vector<std::pair<std::string_view, const V*>> out;
  out.reserve(entries.size());
  for (const Entry& e : entries) out.emplace_back(e.key, e.value);
  return out;
}

}  // namespace microconv

#endif  // MICROCONV_CORE_CAPPED_STRING_MAP_H_
