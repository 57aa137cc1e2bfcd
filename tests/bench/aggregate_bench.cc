// Aggregate throughput: the budget is >= 1,000,000 summaries added per
// second per core (Release), i.e. about 1 us per summary.
#include <benchmark/benchmark.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/aggregate.h"
#include "core/config.h"
#include "core/json/config_json.h"
#include "core/schema/summary_generated.h"
#include "core/varint.h"
#include "core/wire_ids.h"

namespace microconv {
namespace {

Config DemoConfig() {
  std::ifstream file(std::string(MICROCONV_SOURCE_DIR) + "/demo-site/sites/demo.json");
  std::stringstream text;
  text << file.rdbuf();
  auto config = LoadConfigJson(text.str());
  return config.ok() ? std::move(config).value() : Config();
}

// Realistic demo-site sessions: 6-10 pages, a walk down the 9-step purchase
// funnel, 10 heat cells, a few elements, referrers and UTM values. `varied`:
// as many distinct values as real traffic brings (issue 12: >= 10,000 paths,
// >= 1,000 elements), so the string-keyed tallies are large maps.
std::vector<std::vector<uint8_t>> DemoSummaries(const Config& config, int count,
                                                bool varied = false) {
  std::mt19937 rng(42);
  auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  const char* kReferrers[] = {"", "google.com", "bing.com", "news.ycombinator.com", "t.co"};
  const char* kElements[] = {"#add-to-cart", "nav > a:nth-child(3)", "#hero img", "button.buy"};
  std::vector<std::vector<uint8_t>> out;
  for (int i = 0; i < count; ++i) {
    wire::SummaryT s;
    s.version = 1;
    s.site = "demo";
    s.config_hash = config.hash();
    s.nonce = rng();
    s.start_minute = 28'500'000 + static_cast<uint32_t>(pick(1440));
    const auto duration_ds = static_cast<uint32_t>(pick(18000));
    const wire::Dimensions dims(
        static_cast<wire::DeviceClass>(1 + pick(3)), static_cast<wire::BrowserFamily>(1 + pick(7)),
        static_cast<wire::OsFamily>(1 + pick(7)), static_cast<wire::ScreenBucket>(1 + pick(6)),
        'e' << 8 | 'n', 'u' << 8 | 's');
    const int pages = 6 + pick(5);
    for (int p = 0; p < pages; ++p) {
      s.pages.emplace_back(static_cast<uint16_t>(p), 1 + pick(2), pick(900), pick(101), pick(2));
    }
    s.facts = std::make_unique<wire::SessionFacts>(
        duration_ds, duration_ds / 3, static_cast<uint16_t>(pages + 2), 0, 0, 0, dims,
        wire::FactFlags::NONE, 0, static_cast<uint8_t>(pages - 1));
    const int furthest = 2 + pick(8);  // steps 0..furthest-1 reached
    uint32_t reached = 0;
    uint32_t offset = 0;
    for (int step = 0; step < furthest; ++step) {
      reached |= 1u << step;
      s.path_steps.push_back(
          static_cast<uint8_t>(varied ? pick(static_cast<int>(config.micro_count())) : step));
      AppendVarint(step == 0 ? 0 : static_cast<uint32_t>(50 + pick(1200)), s.path_deltas);
      if (step > 0) {
        offset += static_cast<uint32_t>(50 + pick(1200));
        AppendVarint(offset, s.step_times);
      }
    }
    const bool converted = furthest == 9;
    s.funnels.emplace_back(0, FlagIf(converted, wire::FunnelFlags::Converted), furthest,
                           converted ? 0 : 2, reached,
                           converted ? 0 : static_cast<uint16_t>(9 + pick(5)),
                           converted ? 0 : kLiteralBit | pick(pages), 0);
    for (int c = 0; c < 10; ++c) {
      s.heat.emplace_back(static_cast<uint8_t>(pick(pages)), 1 + pick(3),
                          static_cast<uint16_t>(pick(512)));
    }
    for (int e = 0, n = pick(3); e < n; ++e) {
      s.names.push_back(varied ? "#element-" + std::to_string(pick(2000)) : kElements[pick(4)]);
      s.elements.emplace_back(static_cast<uint16_t>(e), 1 + pick(4), pick(2), pick(2), 0);
    }
    s.referrer = varied ? "site-" + std::to_string(pick(300)) + ".example" : kReferrers[pick(5)];
    if (pick(3) == 0) s.utm_source = "newsletter";
    flatbuffers::FlatBufferBuilder fbb;
    wire::FinishSummaryBuffer(fbb, wire::Summary::Pack(fbb, &s));
    out.emplace_back(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  }
  return out;
}

// Adds `count` demo sessions (a power of two) to one aggregate, round and
// round. The aggregate is filled once first, so its maps hold every key the
// sessions bring before timing starts.
void RunAdds(benchmark::State& state, int count, bool varied) {
  const Config config = DemoConfig();
  if (config.bytes().empty()) {
    state.SkipWithError("demo config did not load");
    return;
  }
  const auto summaries = DemoSummaries(config, count, varied);
  std::vector<const wire::Summary*> roots;
  for (const auto& bytes : summaries) roots.push_back(wire::GetSummary(bytes.data()));
  Aggregate aggregate(config);
  for (const wire::Summary* root : roots) (void)aggregate.Add(*root);
  state.counters["paths"] = static_cast<double>(aggregate.paths().size());
  state.counters["elements"] = static_cast<double>(aggregate.elements().size());
  const size_t mask = roots.size() - 1;
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(aggregate.Add(*roots[i]).ok());
    i = (i + 1) & mask;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_AggregateAdd(benchmark::State& state) { RunAdds(state, 4096, false); }
BENCHMARK(BM_AggregateAdd);

// The collector's fold of a session into its day's gathered delta, with
// real traffic's variety: each add looks keys up in maps of thousands.
void BM_AggregateAddVaried(benchmark::State& state) { RunAdds(state, 16384, true); }
BENCHMARK(BM_AggregateAddVaried);

void BM_AggregateMerge(benchmark::State& state) {
  const Config config = DemoConfig();
  if (config.bytes().empty()) {
    state.SkipWithError("demo config did not load");
    return;
  }
  const auto summaries = DemoSummaries(config, 4096);
  Aggregate day(config);
  for (const auto& bytes : summaries) (void)day.Add(*wire::GetSummary(bytes.data()));
  Aggregate total(config);
  for (auto _ : state) benchmark::DoNotOptimize(total.Merge(day).ok());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AggregateMerge);

// A day aggregate encoded and decoded, as the store writes a delta or base
// and a report or fold reads it back. `varied`: with real traffic's variety.
void RunSerialize(benchmark::State& state, bool varied) {
  const Config config = DemoConfig();
  if (config.bytes().empty()) {
    state.SkipWithError("demo config did not load");
    return;
  }
  Aggregate day(config);
  for (const auto& bytes : DemoSummaries(config, 4096, varied)) {
    (void)day.Add(*wire::GetSummary(bytes.data()));
  }
  size_t size = 0;
  for (auto _ : state) {
    const std::vector<uint8_t> bytes = day.Serialize();
    size = bytes.size();
    benchmark::DoNotOptimize(Aggregate::Deserialize(bytes).ok());
  }
  state.counters["bytes"] = static_cast<double>(size);
}

void BM_AggregateSerialize(benchmark::State& state) { RunSerialize(state, false); }
BENCHMARK(BM_AggregateSerialize);

void BM_AggregateSerializeVaried(benchmark::State& state) { RunSerialize(state, true); }
BENCHMARK(BM_AggregateSerializeVaried);

}  // namespace
}  // namespace microconv
