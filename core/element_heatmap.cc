#include "core/element_heatmap.h"

#include <algorithm>
#include <array>

#include "core/flatbuffer_write.h"
#include "core/fnv1a.h"
#include "core/summary.h"

namespace microconv {

uint32_t ElementKey(std::string_view element_path) noexcept { return Fnv1a32(element_path) >> 8; }

std::string ElementKeyHex(uint32_t key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(6, '0');
  for (int i = 5; i >= 0; --i, key >>= 4) hex[i] = kDigits[key & 0xf];
  return hex;
}

bool ElementHeatmap::OnClick(std::string_view element_path, int cell, uint8_t page) {
  if (cell < 0 || cell >= kElementGridCells) return false;
  const uint32_t key = ElementKey(element_path);
  // An entry holds up to 16 clicks (the low nibble); a full one is left as
  // is and the next click starts another entry for the same cell.
  for (wire::ElementClick& c : std::span(clicks_.data(), size_)) {
    if (KeyOf(c) == key && c.page() == page && CellOf(c) == cell && CountOf(c) < 16) {
      c.mutate_cell_count(static_cast<uint8_t>(c.cell_count() + 1));
      return true;
    }
  }
  if (size_ >= kMaxElementClicks) return false;
  clicks_[size_++] =
      wire::ElementClick(static_cast<uint8_t>(key), static_cast<uint8_t>(key >> 8),
                         static_cast<uint8_t>(key >> 16), page, static_cast<uint8_t>(cell << 4));
  return true;
}

flatbuffers::Offset<flatbuffers::Vector<const wire::ElementClick*>> ElementHeatmap::SentClicks(
    flatbuffers::FlatBufferBuilder& fbb, int current, int previous) const {
  std::array<wire::ElementClick, kMaxElementClicks> sent;
  size_t n = 0;
  for (const wire::ElementClick& click : clicks()) {
    if (click.page() == current || click.page() == previous) sent[n++] = click;
  }
  return n == 0 ? 0 : fbb.CreateVectorOfStructs(sent.data(), n);
}

ElementHeatmap ElementHeatmap::Restore(const wire::Summary& summary) {
  ElementHeatmap heatmap;
  if (summary.element_clicks()) {
    // Verified: at most kMaxElementClicks entries.
    for (const wire::ElementClick* click : *summary.element_clicks()) {
      if (heatmap.size_ < kMaxElementClicks) heatmap.clicks_[heatmap.size_++] = *click;
    }
  }
  return heatmap;
}

namespace {

// Copies of a verified summary's fields for a rewritten one: present stays
// present, even empty (a sampled session's empty replay says "sampled").
template <typename T>
flatbuffers::Offset<flatbuffers::Vector<T>> Copy(flatbuffers::FlatBufferBuilder& fbb,
                                                 const flatbuffers::Vector<T>* v) {
  return v == nullptr ? 0 : fbb.CreateVector(v->data(), v->size());
}

template <typename S>
flatbuffers::Offset<flatbuffers::Vector<const S*>> Copy(flatbuffers::FlatBufferBuilder& fbb,
                                                        const flatbuffers::Vector<const S*>* v) {
  return v == nullptr ? 0
                      : fbb.CreateVectorOfStructs(reinterpret_cast<const S*>(v->Data()), v->size());
}

flatbuffers::Offset<flatbuffers::String> Copy(flatbuffers::FlatBufferBuilder& fbb,
                                              const flatbuffers::String* text) {
  return text == nullptr ? 0 : fbb.CreateString(text);
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>> Copy(
    flatbuffers::FlatBufferBuilder& fbb,
    const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* texts) {
  if (texts == nullptr) return 0;
  std::vector<flatbuffers::Offset<flatbuffers::String>> copies;
  for (const flatbuffers::String* text : *texts) copies.push_back(fbb.CreateString(text));
  return fbb.CreateVector(copies);
}

}  // namespace

std::vector<uint8_t> MergeElementClicks(const wire::Summary& stored, const wire::Summary& next) {
  if (stored.element_clicks() == nullptr) return {};
  const size_t page_count = next.pages() == nullptr ? 0 : next.pages()->size();
  std::array<bool, 256> carried{};
  std::vector<wire::ElementClick> merged;
  if (next.element_clicks() != nullptr) {
    for (const wire::ElementClick* click : *next.element_clicks()) {
      carried[click->page()] = true;
      merged.push_back(*click);
    }
  }
  const size_t sent = merged.size();
  for (const wire::ElementClick* click : *stored.element_clicks()) {
    if (merged.size() >= kMaxElementClicks) break;
    if (!carried[click->page()] && click->page() < page_count) merged.push_back(*click);
  }
  if (merged.size() == sent) return {};

  // Children in the schema's field order, as Session::BuildSummary writes
  // them. A field added to Summary must be copied here too
  // (tests/unit/element_heatmap_test.cc compares every other field).
  flatbuffers::FlatBufferBuilder fbb(1024);
  const wire::Summary& s = next;
  const auto site = Copy(fbb, s.site());
  const auto pages = Copy(fbb, s.pages());
  const auto path_steps = Copy(fbb, s.path_steps());
  const auto path_deltas = Copy(fbb, s.path_deltas());
  const auto repeats = Copy(fbb, s.repeats());
  const auto funnels = Copy(fbb, s.funnels());
  const auto step_times = Copy(fbb, s.step_times());
  const auto heat = Copy(fbb, s.heat());
  const auto forms = Copy(fbb, s.forms());
  const auto fields = Copy(fbb, s.fields());
  const auto elements = Copy(fbb, s.elements());
  const auto names = Copy(fbb, s.names());
  const auto literal_pages = Copy(fbb, s.literal_pages());
  const auto referrer = Copy(fbb, s.referrer());
  const auto utm_source = Copy(fbb, s.utm_source());
  const auto utm_medium = Copy(fbb, s.utm_medium());
  const auto utm_campaign = Copy(fbb, s.utm_campaign());
  const auto ldp_bits = Copy(fbb, s.ldp_bits());
  const auto journey_steps = Copy(fbb, s.journey_steps());
  const auto cta_seen = Copy(fbb, s.cta_seen());
  const auto replay = Copy(fbb, s.replay());
  const auto element_clicks = fbb.CreateVectorOfStructs(merged);
  wire::FinishSummaryBuffer(
      fbb, wire::CreateSummary(fbb, s.version(), site, s.config_hash(), s.nonce(), s.seq(),
                               s.start_minute(), s.facts(), pages, path_steps, path_deltas, repeats,
                               funnels, step_times, heat, forms, fields, elements, names,
                               literal_pages, referrer, utm_source, utm_medium, utm_campaign,
                               s.revenue_cents(), s.orders(), s.other_currency_orders(),
                               s.ldp_epsilon(), ldp_bits, s.journey_visit(), s.journey_day(),
                               journey_steps, cta_seen, replay, element_clicks));
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

}  // namespace microconv
