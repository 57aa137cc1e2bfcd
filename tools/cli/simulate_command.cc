// microconv simulate: synthetic visitors of the demo store sent to a
// collector over real HTTP. Every visitor is run through the real core and
// sends what a browser would: the cumulative summary at each page unload
// (so the collector's keep-the-highest-sequence rule is exercised) and at
// the end.
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/session.h"
#include "tools/base/flags.h"
#include "tools/base/wall_clock.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/ingest_rejections.h"
#include "tools/cli/journey_model.h"
#include "tools/cli/progress_bar.h"
#include "tools/cli/store_range.h"

namespace microconv {
namespace {

constexpr const char* kUsage =
    "usage: microconv simulate --endpoint http://127.0.0.1:8080 [--config "
    "demo-site/sites/demo.json]\n"
    "         [--sessions 5000] [--days 14] [--seed 1] [--concurrency 4] [--final-only]\n"
    "         [--dropoff p1,...,p9]   chance to leave before each of the 9 journey steps\n";

struct SimulateFlags {
  std::string endpoint, config_path = "demo-site/sites/demo.json";
  int sessions = 5000, days = 14, concurrency = 4;
  uint64_t seed = 1;
  bool final_only = false;
  bool help = false;
  JourneyOptions journey;
};

bool ParseDropoff(const std::string& text, JourneyOptions& options) {
  std::stringstream in(text);
  std::string item;
  int i = 0;
  while (std::getline(in, item, ',')) {
    if (i >= kJourneySteps) return false;
    char* end = nullptr;
    double p = std::strtod(item.c_str(), &end);
    if (end == item.c_str() || *end != '\0' || p < 0 || p > 1) return false;
    options.dropoff[i++] = p;
  }
  return i == kJourneySteps;
}

Result<SimulateFlags> ParseFlags(int argc, char** argv) {
  auto flags = Flags::Parse(argc, argv,
                            {{"--endpoint"},
                             {"--config"},
                             {"--sessions"},
                             {"--days"},
                             {"--seed"},
                             {"--concurrency"},
                             {"--dropoff"},
                             {"--final-only", false}});
  if (!flags.ok()) return {flags.error(), flags.message()};
  const Flags& f = flags.value();
  SimulateFlags simulate;
  simulate.help = f.help();
  if (simulate.help) return simulate;
  simulate.endpoint = f.Get("--endpoint");
  if (simulate.endpoint.empty()) return {Error::kOutOfRange, "--endpoint is required"};
  simulate.config_path = f.Get("--config", simulate.config_path);
  simulate.final_only = f.Has("--final-only");
  auto sessions = f.Int("--sessions", simulate.sessions, 1, 100000000);
  auto days = f.Int("--days", simulate.days, 1, 3660);
  auto concurrency = f.Int("--concurrency", simulate.concurrency, 1, 64);
  auto seed = f.Int("--seed", static_cast<long long>(simulate.seed), 0, INT64_MAX);
  for (const Result<long long>* value : {&sessions, &days, &concurrency, &seed}) {
    if (!value->ok()) return {value->error(), value->message()};
  }
  simulate.sessions = static_cast<int>(sessions.value());
  simulate.days = static_cast<int>(days.value());
  simulate.concurrency = static_cast<int>(concurrency.value());
  simulate.seed = static_cast<uint64_t>(seed.value());
  if (f.Has("--dropoff") && !ParseDropoff(f.Get("--dropoff"), simulate.journey)) {
    return {Error::kOutOfRange, "--dropoff: needs 9 probabilities in [0, 1], comma separated"};
  }
  return simulate;
}

struct Progress {
  std::atomic<int> sessions{0};
  std::atomic<int> sent{0};
  IngestRejections rejected;
};

void DrawBar(const Progress& progress, int total, double seconds, bool done) {
  char extra[128];
  std::snprintf(extra, sizeof extra, "%d summaries sent, %d rejected, %.0f/s", progress.sent.load(),
                progress.rejected.total(), seconds > 0 ? progress.sent / seconds : 0.0);
  DrawProgressBar(progress.sessions.load(), total, "sessions", extra, done);
}

}  // namespace

int RunSimulate(int argc, char** argv) {
  auto parsed = ParseFlags(argc, argv);
  if (!parsed.ok()) {
    std::fprintf(stderr, "simulate: %s\n%s", parsed.message().c_str(), kUsage);
    return 2;
  }
  SimulateFlags& flags = parsed.value();
  if (flags.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  auto config = LoadConfigFile(flags.config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "simulate: %s\n", config.message().c_str());
    return 1;
  }
  auto model = JourneyModel::ForDemoStore(config.value());
  if (!model.ok()) {
    std::fprintf(stderr, "simulate: %s\n", model.message().c_str());
    return 1;
  }
  const int64_t now_ms = NowMs();
  flags.journey.spread_ms = int64_t{flags.days} * 86400000;
  flags.journey.start_ms = now_ms - flags.journey.spread_ms;

  Progress progress;
  std::atomic<int> next_session{0};
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  auto worker = [&](int index) {
    httplib::Client client(flags.endpoint);
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);  // headers and body go in two writes: no Nagle delay
    client.set_connection_timeout(5);
    client.set_read_timeout(10);
    std::mt19937_64 rng(flags.seed * 1000003 + static_cast<uint64_t>(index));
    auto send = [&](const std::vector<uint8_t>& bytes) {
      if (bytes.empty()) return;  // an LDP session before its end (core/ldp.h)
      auto result = client.Post("/api/collect", reinterpret_cast<const char*>(bytes.data()),
                                bytes.size(), "text/plain");
      if (!result) {
        progress.rejected.NoteUnreachable(flags.endpoint, httplib::to_string(result.error()));
      } else if (result->status != 202) {
        progress.rejected.Note(result->status, result->body);
      } else {
        ++progress.sent;
      }
    };
    while (next_session.fetch_add(1) < flags.sessions) {
      SimulatedVisit visit = model.value().Next(rng, flags.journey);
      Session session(config.value(), visit.start);
      size_t from = 0;
      std::vector<size_t> points = visit.flush_points;
      points.push_back(visit.events.size());
      for (size_t point : points) {
        EventBatch batch{std::span<const Event>(visit.events).subspan(from, point - from),
                         visit.string_views};
        from += session.Ingest(batch).consumed;
        if (point == visit.events.size()) {
          session.Advance(visit.events.empty() ? visit.start.time_ms : visit.events.back().time_ms);
          session.End();
          send(session.Flush());
        } else if (!flags.final_only) {
          send(session.Flush());
        }
      }
      ++progress.sessions;
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < flags.concurrency; ++i) threads.emplace_back(worker, i);
  // A live bar on a terminal; in logs only the final line.
  const bool terminal = isatty(fileno(stderr));
  std::thread drawer([&] {
    while (terminal && progress.sessions < flags.sessions && progress.rejected.total() < 1000) {
      DrawBar(progress, flags.sessions, elapsed(), false);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  for (std::thread& t : threads) t.join();
  drawer.join();
  DrawBar(progress, flags.sessions, elapsed(), true);
  if (const int rejected = progress.rejected.total(); rejected > 0) {
    std::fprintf(stderr, "simulate: %d summaries rejected, by reason:\n%s", rejected,
                 progress.rejected.Report().c_str());
    return 1;
  }
  return 0;
}

}  // namespace microconv
