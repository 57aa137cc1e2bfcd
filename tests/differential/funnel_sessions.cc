// Generates random sessions, runs them through FunnelTracker exactly as the
// session engine calls it (OnMicro per micro-conversion, times in ms), and
// compares the per-session funnel level with ClickHouse's windowFunnel:
//   funnel_sessions generate SESSIONS SEED EVENTS.tsv CORE.tsv
//   funnel_sessions compare CORE.tsv CLICKHOUSE.tsv
// run_windowfunnel.sh starts ClickHouse and ties the two together.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/funnel.h"
#include "tests/support/funnel_def.h"

namespace microconv {
namespace {

// The funnel under test: an optional first step (like the demo's sign in,
// which must not start the window clock), then kRequired required steps.
// windowFunnel sees only the required steps.
constexpr uint8_t kOptionalMicro = 1;
constexpr uint8_t kFirstRequiredMicro = 2;
constexpr int kRequired = 5;
constexpr uint8_t kNoiseMicros[] = {7, 8};
constexpr uint32_t kWindowMs = 60000;

FunnelConfig SequentialFunnel() {
  std::vector<FunnelStepSpec> steps = {{{kOptionalMicro}, true}};
  for (int i = 0; i < kRequired; ++i)
    steps.push_back({{static_cast<uint8_t>(kFirstRequiredMicro + i)}});
  return FunnelConfig(wire::FunnelMode::Sequential, steps, {}, kWindowMs);
}

struct Event {
  uint32_t ts;
  uint8_t micro;
};

// One session: a visitor walking the funnel with random drop-offs, repeats,
// steps out of order, restarts, the optional step anywhere, noise, and gaps
// that land just before, on and just after the window's edge. Times are
// strictly increasing (ties are ordered differently by the two engines:
// arrival order here, condition order in ClickHouse).
std::vector<Event> GenerateSession(std::mt19937& rng) {
  std::uniform_int_distribution<int> percent(0, 99);
  std::vector<Event> events;
  uint32_t t = 1000 + static_cast<uint32_t>(rng() % 100000);
  int position = 0;  // next required step the visitor intends
  int length = 1 + static_cast<int>(rng() % 24);
  for (int i = 0; i < length; ++i) {
    int roll = percent(rng);
    uint8_t micro;
    if (roll < 45) {
      micro = static_cast<uint8_t>(kFirstRequiredMicro + std::min(position, kRequired - 1));
      position = std::min(position + 1, kRequired);
    } else if (roll < 55) {
      micro = static_cast<uint8_t>(kFirstRequiredMicro + std::max(position - 1, 0));  // repeat
    } else if (roll < 70) {
      micro = static_cast<uint8_t>(kFirstRequiredMicro + rng() % kRequired);  // out of order
    } else if (roll < 78) {
      micro = kFirstRequiredMicro;  // restart
      position = 1;
    } else if (roll < 88) {
      micro = kOptionalMicro;
    } else {
      micro = kNoiseMicros[rng() % 2];
    }
    if (i > 0) {
      int gap_roll = percent(rng);
      uint32_t gap;
      if (gap_roll < 50) {
        gap = 1 + static_cast<uint32_t>(rng() % (kWindowMs / 8));
      } else if (gap_roll < 70) {
        gap = 1 + static_cast<uint32_t>(rng() % kWindowMs);
      } else if (gap_roll < 75) {
        gap = kWindowMs + 1 + static_cast<uint32_t>(rng() % kWindowMs);
      } else {
        // Land on an earlier event's window edge: -1, 0 or +1 ms.
        const Event& anchor = events[rng() % events.size()];
        uint32_t edge = anchor.ts + kWindowMs - 1 + static_cast<uint32_t>(rng() % 3);
        gap = edge > t ? edge - t : 1 + static_cast<uint32_t>(rng() % 1000);
      }
      t += gap;
    }
    events.push_back({t, micro});
  }
  return events;
}

// Required steps reached by the tracker's furthest chain: windowFunnel's level.
int CoreLevel(const FunnelConfig& funnel, const std::vector<Event>& events) {
  FunnelTracker tracker(funnel.def(), 0);
  for (const Event& e : events) tracker.OnMicro(e.micro, e.ts);
  uint32_t reached = tracker.Progress().reached();
  int level = 0;
  while (level < kRequired && (reached & (1u << (level + 1)))) ++level;
  return level;
}

int Generate(long sessions, unsigned seed, const char* events_path, const char* core_path) {
  FunnelConfig funnel = SequentialFunnel();
  std::mt19937 rng(seed);
  std::ofstream events_out(events_path), core_out(core_path);
  long event_count = 0;
  for (long s = 1; s <= sessions; ++s) {
    std::vector<Event> events = GenerateSession(rng);
    for (const Event& e : events) {
      events_out << s << '\t' << e.ts << '\t' << int{e.micro} << '\n';
    }
    event_count += static_cast<long>(events.size());
    core_out << s << '\t' << CoreLevel(funnel, events) << '\n';
  }
  if (!events_out || !core_out) {
    std::cerr << "cannot write " << events_path << " or " << core_path << '\n';
    return 2;
  }
  std::cout << "generated " << sessions << " sessions, " << event_count << " events\n";
  return 0;
}

std::map<long, int> ReadLevels(const char* path) {
  std::map<long, int> levels;
  std::ifstream in(path);
  long session;
  int level;
  while (in >> session >> level) levels[session] = level;
  return levels;
}

int Compare(const char* core_path, const char* clickhouse_path) {
  std::map<long, int> core = ReadLevels(core_path);
  std::map<long, int> clickhouse = ReadLevels(clickhouse_path);
  // Sessions with no step event are absent from ClickHouse's GROUP BY only
  // when they have no events at all; every generated session has some.
  long differing = 0, shown = 0;
  std::vector<long> core_at(kRequired + 1), clickhouse_at(kRequired + 1);
  for (const auto& [session, level] : core) {
    auto it = clickhouse.find(session);
    int theirs = it == clickhouse.end() ? -1 : it->second;
    for (int k = 1; k <= kRequired; ++k) {
      core_at[k] += level >= k;
      clickhouse_at[k] += theirs >= k;
    }
    if (theirs != level) {
      ++differing;
      if (shown++ < 5) {
        std::cout << "session " << session << ": core " << level << ", windowFunnel " << theirs
                  << '\n';
      }
    }
  }
  std::cout << "step  core  windowFunnel\n";
  for (int k = 1; k <= kRequired; ++k) {
    std::cout << k << "  " << core_at[k] << "  " << clickhouse_at[k] << '\n';
  }
  std::cout << core.size() << " sessions, " << clickhouse.size() << " from ClickHouse, "
            << differing << " differ\n";
  return (differing == 0 && core.size() == clickhouse.size() && core.size() >= 100000) ? 0 : 1;
}

}  // namespace
}  // namespace microconv

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "generate" && argc == 6) {
    return microconv::Generate(std::atol(argv[2]), static_cast<unsigned>(std::atol(argv[3])),
                               argv[4], argv[5]);
  }
  if (mode == "compare" && argc == 4) return microconv::Compare(argv[2], argv[3]);
  std::cerr << "usage: funnel_sessions generate SESSIONS SEED EVENTS.tsv CORE.tsv\n"
               "       funnel_sessions compare CORE.tsv CLICKHOUSE.tsv\n";
  return 2;
}
