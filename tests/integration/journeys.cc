#include "journeys.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/heatmap.h"
#include "core/json/config_json.h"
#include "core/replay_timeline.h"
#include "core/session.h"
#include "core/summary.h"
#include "core/wire_ids.h"

namespace microconv::testing {

Journeys::Journeys(double replay_sample_rate) {
  const std::string root = MICROCONV_SOURCE_DIR;
  config_json_ = ReadFileOrEmpty(root + "/demo-site/sites/demo.json");
  if (replay_sample_rate > 0) {
    nlohmann::json json = nlohmann::json::parse(config_json_, nullptr, false);
    if (json.is_discarded()) return;
    json["privacy"]["replay_sample_rate"] = replay_sample_rate;
    config_json_ = json.dump(2);
  }
  auto config = LoadConfigJson(config_json_);
  if (!config.ok()) return;
  config_ = std::move(config).value();
  for (const char* name : {"purchase", "dropoff_product", "dropoff_shipping", "dropoff_blog"}) {
    auto stream =
        ParseEventStream(ReadFileOrEmpty(root + "/tests/golden/" + name + ".events"), config_);
    if (!stream.ok()) return;
    streams_.emplace(name, std::move(stream).value());
  }
  ok_ = true;
}

std::vector<uint8_t> Journeys::Summary(const std::string& journey, uint64_t nonce) const {
  EventStream stream = streams_.at(journey);
  // The copy's string_views must view the copy's own strings.
  stream.string_views.assign(stream.strings.begin(), stream.strings.end());
  stream.nonce = nonce;
  return RunToSummary(stream, config_);
}

std::vector<std::vector<uint8_t>> Journeys::Flushes(const std::string& journey, uint64_t nonce,
                                                    int flushes) const {
  EventStream stream = streams_.at(journey);
  stream.string_views.assign(stream.strings.begin(), stream.strings.end());
  stream.nonce = nonce;
  Session session(config_, stream.Start());
  const EventBatch batch = stream.Batch();
  std::vector<std::vector<uint8_t>> out;
  size_t from = 0;
  for (int i = 1; i <= flushes; ++i) {
    const size_t end = stream.events.size() * static_cast<size_t>(i) / static_cast<size_t>(flushes);
    while (from < end) {
      IngestResult result = session.Ingest({batch.events.subspan(from, end - from), batch.strings});
      if (result.consumed == 0) break;
      from += result.consumed;
    }
    if (from > 0) session.Advance(stream.events[from - 1].time_ms);
    if (i == flushes) session.End();
    out.push_back(session.Flush());
  }
  return out;
}

std::vector<uint8_t> Journeys::WithNonce(const std::vector<uint8_t>& summary, uint64_t nonce,
                                         uint32_t seq) {
  wire::SummaryT object;
  flatbuffers::GetRoot<wire::Summary>(summary.data())->UnPackTo(&object);
  object.nonce = nonce;
  object.seq = seq;
  return EncodeSummary(object);
}

std::vector<uint8_t> Journeys::WithReplay(const std::vector<uint8_t>& summary,
                                          const std::vector<uint8_t>& timeline) {
  wire::SummaryT object;
  flatbuffers::GetRoot<wire::Summary>(summary.data())->UnPackTo(&object);
  object.replay = timeline;
  return EncodeSummary(object);
}

std::vector<uint8_t> Journeys::SampleTimeline() {
  ReplayTimeline timeline;
  timeline.Append({0, ReplayKind::kPage, 0, 0});
  timeline.Append({12, ReplayKind::kClick, 0, 3 * kGridColumns + 5});
  timeline.Append({20, ReplayKind::kRageClick, 0, 0});
  timeline.Append({35, ReplayKind::kScroll, 60, 0});
  timeline.Append({40, ReplayKind::kConversion, 0, 0});
  return timeline.bytes();
}

std::vector<uint8_t> Journeys::AtTime(const std::vector<uint8_t>& summary,
                                      std::chrono::system_clock::time_point start,
                                      std::chrono::seconds duration, bool ended) {
  wire::SummaryT object;
  flatbuffers::GetRoot<wire::Summary>(summary.data())->UnPackTo(&object);
  object.start_minute = static_cast<uint32_t>(
      std::chrono::duration_cast<std::chrono::minutes>(start.time_since_epoch()).count());
  object.facts->mutate_duration_ds(static_cast<uint32_t>(duration.count() * 10));
  object.facts->mutate_flags((object.facts->flags() & ~wire::FactFlags::Ended) |
                             FlagIf(ended, wire::FactFlags::Ended));
  return EncodeSummary(object);
}

}  // namespace microconv::testing
