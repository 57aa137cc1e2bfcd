// Session engine budgets (issue 2): ingest >= 20M events/s on one core; the
// article's journey: summary <= 300 bytes, snapshot <= 1 KB. Sizes are
// reported as counters so tools/bench.sh prints them beside the speeds.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <string>

#include "core/config.h"
#include "core/session.h"
#include "core/summary.h"
#include "tests/support/event_stream.h"

namespace microconv {
namespace {

const Config& DemoConfig() {
  static const Config config = [] {
    std::string bytes =
        testing::ReadFileOrEmpty(std::string(MICROCONV_SOURCE_DIR) + "/tests/golden/demo.mcc");
    auto loaded =
        Config::FromCompiled({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    return loaded.ok() ? std::move(loaded).value() : Config();
  }();
  return config;
}

testing::EventStream Journey() {
  auto stream = testing::ParseEventStream(
      testing::ReadFileOrEmpty(std::string(MICROCONV_SOURCE_DIR) + "/tests/golden/purchase.events"),
      DemoConfig());
  return stream.ok() ? std::move(stream).value() : testing::EventStream();
}

// A storm as a busy visitor produces it: mostly input and scroll, clicks on
// a handful of elements, a page view every ~50 events.
testing::EventStream Storm(size_t count) {
  std::string text = "start start_ms=1700000000000\n";
  std::mt19937 rng(1);
  static const char* kPages[] = {"/", "/category/headphones", "/product/42", "/cart", "/blog/x"};
  static const char* kElements[] = {"button#add-to-cart", "a#nav-1", "img.gallery", "div.card>a"};
  for (size_t i = 0; i < count; ++i) {
    std::string at = "@" + std::to_string(i * 20) + " ";
    unsigned r = rng() % 100;
    if (r < 2)
      text += at + "page " + kPages[rng() % 5] + "\n";
    else if (r < 12)
      text += at + "click " + std::to_string(rng() % 1400) + " " + std::to_string(rng() % 4000) +
              " 1440 4000 " + kElements[rng() % 4] + "\n";
    else if (r < 14)
      text += at + "match [data-mc=add-to-cart]\n";
    else if (r < 40)
      text += at + "scroll " + std::to_string(rng() % 101) + "\n";
    else
      text += at + "input\n";
  }
  auto stream = testing::ParseEventStream(text, DemoConfig());
  return stream.ok() ? std::move(stream).value() : testing::EventStream();
}

void BM_IngestStorm(benchmark::State& state) {
  testing::EventStream storm = Storm(10000);
  for (auto _ : state) {
    Session session(DemoConfig(), storm.Start());
    IngestResult result = session.Ingest(storm.Batch());
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * storm.events.size()));
}
BENCHMARK(BM_IngestStorm);

// The browser storm's mix (tests/e2e/fixtures/perf/storm.js: 20 DOM events
// a round) as the tracker hands it to the core: per round 4 clicks with
// their element paths, 3 selector matches, 9 field events on 3 configured
// forms (focus, change, blur), 1 input; a page view every 25 rounds. What
// the visitor's Wasm module runs per batch, measured natively.
testing::EventStream BrowserStorm(size_t rounds) {
  std::string text = "start start_ms=1700000000000\n@0 page /checkout\n";
  uint64_t t = 0;
  auto at = [&t] { return "@" + std::to_string(t += 5) + " "; };
  for (size_t i = 0; i < rounds; ++i) {
    const std::string x = std::to_string(20 + i % 50);
    if (i % 25 == 24) text += at() + "page /checkout\n";
    text += at() + "click " + x + " 40 1440 3000 main>div.product>button#add\n";
    text += at() + "match [data-mc=add-to-cart]\n";
    text += at() + "click " + x + " 40 1440 3000 main>div.share>a#share-icon\n";
    text += at() + "match [data-mc=share]\n";
    text += at() + "click " + x + " 40 1440 3000 main>p:nth-of-type(2)\n";
    text += at() + "click " + x + " 40 1440 3000 main>div.cart>button#checkout\n";
    text += at() + "match [data-mc=checkout]\n";
    text += at() + "input\n";
    for (const char* field : {"newsletter email", "shipping name", "shipping country"}) {
      text += at() + "focus " + field + "\n";
      text += at() + "change " + field + "\n";
      text += at() + "blur " + field + "\n";
    }
  }
  auto stream = testing::ParseEventStream(text, DemoConfig());
  return stream.ok() ? std::move(stream).value() : testing::EventStream();
}

// In batches of 64 events, as the tracker feeds the core.
void BM_IngestBrowserStorm(benchmark::State& state) {
  testing::EventStream storm = BrowserStorm(500);
  if (storm.events.empty()) state.SkipWithError("the browser storm's event stream does not parse");
  const auto batch = storm.Batch();
  constexpr size_t kBatch = 64;
  for (auto _ : state) {
    Session session(DemoConfig(), storm.Start());
    for (size_t i = 0; i < batch.events.size(); i += kBatch) {
      const EventBatch part{batch.events.subspan(i, std::min(kBatch, batch.events.size() - i)),
                            batch.strings};
      IngestResult result = session.Ingest(part);
      benchmark::DoNotOptimize(result);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * storm.events.size()));
}
BENCHMARK(BM_IngestBrowserStorm);

void BM_PurchaseJourney(benchmark::State& state) {
  testing::EventStream journey = Journey();
  size_t summary_bytes = 0, snapshot_bytes = 0;
  for (auto _ : state) {
    Session session(DemoConfig(), journey.Start());
    benchmark::DoNotOptimize(session.Ingest(journey.Batch()));
    std::vector<uint8_t> summary = session.Flush();
    summary_bytes = summary.size();
    benchmark::DoNotOptimize(summary);
  }
  Session session(DemoConfig(), journey.Start());
  (void)session.Ingest(journey.Batch());
  snapshot_bytes = session.Snapshot().size();
  state.counters["events"] = static_cast<double>(journey.events.size());
  state.counters["summary_bytes"] = static_cast<double>(summary_bytes);
  state.counters["snapshot_bytes"] = static_cast<double>(snapshot_bytes);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * journey.events.size()));
}
BENCHMARK(BM_PurchaseJourney);

void BM_SnapshotRestore(benchmark::State& state) {
  testing::EventStream journey = Journey();
  Session session(DemoConfig(), journey.Start());
  (void)session.Ingest(journey.Batch());
  for (auto _ : state) {
    auto restored = Session::Restore(DemoConfig(), session.Snapshot());
    benchmark::DoNotOptimize(restored);
  }
}
BENCHMARK(BM_SnapshotRestore);

void BM_VerifySummary(benchmark::State& state) {
  testing::EventStream journey = Journey();
  Session session(DemoConfig(), journey.Start());
  (void)session.Ingest(journey.Batch());
  std::vector<uint8_t> summary = session.Flush();
  for (auto _ : state) benchmark::DoNotOptimize(VerifySummary(summary, &DemoConfig()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_VerifySummary);

}  // namespace
}  // namespace microconv
