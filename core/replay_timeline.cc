#include "core/replay_timeline.h"

#include <algorithm>
#include <cstdint>

#include "core/varint.h"

namespace microconv {
namespace {

bool HasB(ReplayKind kind) { return kind == ReplayKind::kClick; }

void Encode(uint32_t gap, ReplayKind kind, uint32_t a, uint32_t b, std::vector<uint8_t>& out) {
  AppendVarint((uint64_t{gap} << 4) | static_cast<uint8_t>(kind), out);
  if (kind == ReplayKind::kTruncated) return;
  AppendVarint(a, out);
  if (HasB(kind)) AppendVarint(b, out);
}

}  // namespace

void ReplayTimeline::Append(const ReplayEntry& entry) {
  if (truncated_) return;
  // Times that go backwards (a clock set back) count as no gap.
  const uint32_t gap =
      std::min(entry.time_tenths - std::min(entry.time_tenths, last_tenths_), kMaxReplayGapTenths);
  // Written in place and taken back if it does not fit: no temporary
  // vector (its code was ~900 B of the browser's module).
  const size_t before = bytes_.size();
  Encode(gap, entry.kind, entry.a, entry.b, bytes_);
  // One byte stays free for the marker (a gap of 0 and kind 8: one byte).
  if (entry.kind == ReplayKind::kTruncated || bytes_.size() + 1 > kMaxReplayBytes) {
    bytes_.resize(before);
    bytes_.push_back(static_cast<uint8_t>(ReplayKind::kTruncated));
    truncated_ = true;
    return;
  }
  last_tenths_ += gap;
}

bool ReplayTimeline::Restore(std::span<const uint8_t> bytes) {
  std::vector<ReplayEntry> entries;
  *this = ReplayTimeline();
  if (!DecodeReplay(bytes, entries)) return false;
  bytes_.assign(bytes.begin(), bytes.end());
  if (!entries.empty()) {
    last_tenths_ = entries.back().time_tenths;
    truncated_ = entries.back().kind == ReplayKind::kTruncated;
  }
  return true;
}

bool DecodeReplay(std::span<const uint8_t> bytes, std::vector<ReplayEntry>& out) {
  out.clear();
  if (bytes.size() > kMaxReplayBytes) return false;
  uint32_t time = 0;
  for (size_t at = 0; at < bytes.size();) {
    if (!out.empty() && out.back().kind == ReplayKind::kTruncated) return false;
    const VarintRead header = ReadVarint(bytes, at, 32);
    if (header.status != VarintStatus::kOk || (header.value & 0xf) > kMaxReplayKind) return false;
    const uint32_t gap = static_cast<uint32_t>(header.value >> 4);
    ReplayEntry entry;
    if (gap > UINT32_MAX - time) return false;
    time += gap;
    entry.time_tenths = time;
    entry.kind = static_cast<ReplayKind>(header.value & 0xf);
    if (entry.kind != ReplayKind::kTruncated) {
      const VarintRead a = ReadVarint(bytes, at, 32);
      if (a.status != VarintStatus::kOk) return false;
      entry.a = static_cast<uint32_t>(a.value);
      if (HasB(entry.kind)) {
        const VarintRead b = ReadVarint(bytes, at, 32);
        if (b.status != VarintStatus::kOk) return false;
        entry.b = static_cast<uint32_t>(b.value);
      }
    }
    out.push_back(entry);
  }
  return true;
}

}  // namespace microconv
