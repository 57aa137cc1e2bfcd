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

  size_t size() const noexcept { return map_.size(); }
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
  // Key of the last kept entry in cap order; recomputed after an eviction.
  void FindLast();

  size_t cap_;
  Map map_;
  V overflow_{};
  const std::string* last_ = nullptr;
  uint64_t last_hash_ = 0;
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
  if (map_.size() >= cap_) {
    if (cap_ == 0) return nullptr;
    if (last_ == nullptr) FindLast();
    const uint64_t hash = KeyHash64(key);
    if (hash > last_hash_ || (hash == last_hash_ && key >= std::string_view(*last_))) {
      return nullptr;
    }
    auto last = map_.find(std::string_view(*last_));
    overflow_ += last->second;
    map_.erase(last);
  }
  last_ = nullptr;  // the new key may come last
  return &map_.emplace(std::string(key), V{}).first->second;
}

template <typename V>
void CappedStringMap<V>::FindLast() {
  last_ = nullptr;
  for (const auto& [key, value] : map_) {
    const uint64_t hash = KeyHash64(key);
    if (last_ == nullptr || hash > last_hash_ || (hash == last_hash_ && key > *last_)) {
      last_ = &key;
      last_hash_ = hash;
    }
  }
}

template <typename V>
void CappedStringMap<V>::Merge(const CappedStringMap& other) {
  if (&other == this) {
    const CappedStringMap copy = other;
    Merge(copy);
    return;
  }
  for (const auto& [key, value] : other.map_) ValueOrOverflow(key) += value;
  overflow_ += other.overflow_;
}

template <typename V>
std::vector<std::pair<std::string_view, const V*>> CappedStringMap<V>::Sorted() const {
  std::vector<std::pair<std::string_view, const V*>> out;
  out.reserve(map_.size());
  for (const auto& [key, value] : map_) out.emplace_back(key, &value);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace microconv

#endif  // MICROCONV_CORE_CAPPED_STRING_MAP_H_
