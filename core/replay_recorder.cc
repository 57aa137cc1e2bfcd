#include "core/replay_recorder.h"

#include <span>

namespace microconv {
namespace {

bool NamesElement(ReplayKind kind) {
  return kind == ReplayKind::kClick || kind == ReplayKind::kRageClick ||
         kind == ReplayKind::kDeadClick;
}

bool NamesField(ReplayKind kind) {
  return kind == ReplayKind::kFieldFocus || kind == ReplayKind::kFieldLeave;
}

}  // namespace

bool ReplaySampled(const Config& config, uint32_t draw) {
  const wire::PrivacyDef* privacy = config.def().privacy();
  const double rate = privacy ? privacy->replay_sample_rate() : 0.0;
  // Rate 1 samples every draw (2^32 > UINT32_MAX), rate 0 none.
  return static_cast<double>(draw) < rate * 4294967296.0;
}

void ReplayRecorder::Add(uint32_t tenths, ReplayKind kind, uint32_t a, uint32_t b) {
  if (sampled_) timeline_.Append({tenths, kind, a, b});
}

void ReplayRecorder::OnPage(uint32_t tenths, uint8_t slot) { Add(tenths, ReplayKind::kPage, slot); }

void ReplayRecorder::OnConversion(uint32_t tenths, uint8_t micro) {
  Add(tenths, ReplayKind::kConversion, micro);
}

void ReplayRecorder::OnClick(uint32_t tenths, int name, uint16_t cell) {
  AddElement(tenths, ReplayKind::kClick, name, cell);
}

void ReplayRecorder::OnScroll(uint32_t tenths, uint8_t slot, uint8_t depth) {
  if (!sampled_) return;
  if (scrolled_.size() <= slot) scrolled_.resize(slot + 1u, 0);
  if (depth < scrolled_[slot] + kReplayScrollStep) return;
  scrolled_[slot] = depth;
  Add(tenths, ReplayKind::kScroll, depth);
}

void ReplayRecorder::OnField(uint32_t tenths, bool focus, int name) {
  // A field whose name the table cannot hold has no index to point at.
  if (name < 0) return;
  Add(tenths, focus ? ReplayKind::kFieldFocus : ReplayKind::kFieldLeave,
      static_cast<uint32_t>(name));
}

void ReplayRecorder::OnRageClick(uint32_t tenths, int name) {
  AddElement(tenths, ReplayKind::kRageClick, name);
}

void ReplayRecorder::OnDeadClick(uint32_t tenths, int name) {
  AddElement(tenths, ReplayKind::kDeadClick, name);
}

std::vector<uint8_t> ReplayRecorder::SummaryBytes(SentNames& names) const {
  if (!sampled_) return {};
  std::vector<ReplayEntry> entries;
  DecodeReplay(timeline_.bytes(), entries);  // our own bytes: they decode
  // Names are below 2 * kMaxElements (< 128) before and after renumbering:
  // every varint keeps its size, so the cap cuts at the same entry.
  ReplayTimeline sent;
  for (ReplayEntry entry : entries) {
    if (NamesElement(entry.kind) && entry.a != 0) {
      entry.a = names.Id(static_cast<uint16_t>(entry.a - 1)) + 1u;
    } else if (NamesField(entry.kind)) {
      entry.a = names.Id(static_cast<uint16_t>(entry.a));
    }
    sent.Append(entry);
  }
  return sent.bytes();
}

bool ReplayRecorder::Restore(const wire::Summary& summary) {
  *this = ReplayRecorder();
  if (summary.replay() == nullptr) return true;
  sampled_ = true;
  const std::span<const uint8_t> bytes(summary.replay()->data(), summary.replay()->size());
  if (!timeline_.Restore(bytes)) return false;
  // The last scroll entry of each page, as the uninterrupted session has it.
  std::vector<ReplayEntry> entries;
  DecodeReplay(bytes, entries);
  uint32_t page = 0;
  for (const ReplayEntry& entry : entries) {
    if (entry.kind == ReplayKind::kPage) page = entry.a;
    if (entry.kind != ReplayKind::kScroll || page >= 256) continue;
    if (scrolled_.size() <= page) scrolled_.resize(page + 1u, 0);
    scrolled_[page] = static_cast<uint8_t>(entry.a);
  }
  return true;
}

}  // namespace microconv
