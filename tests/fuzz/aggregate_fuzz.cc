// Fuzz target for stored aggregates: the collector reads them back from its
// store (a file anyone with disk access can edit), so Aggregate::Deserialize
// meets untrusted bytes. Beyond "no crash": what it accepts serialises to
// bytes it accepts again with the same figures, merges with itself, and
// builds and renders a report against the demo config when written for it.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "core/aggregate.h"
#include "core/config.h"
#include "core/report.h"
#include "core/report_json.h"
#include "tests/support/demo_config.h"

using microconv::Aggregate;
using microconv::Config;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto read = Aggregate::Deserialize(std::span<const uint8_t>(data, size));
  if (!read.ok()) {
    if (read.message().empty()) std::abort();  // errors say what is wrong
    return 0;
  }
  const Aggregate& aggregate = read.value();
  const std::vector<uint8_t> bytes = aggregate.Serialize();
  auto again = Aggregate::Deserialize(bytes);
  if (!again.ok() || again.value().Serialize() != bytes) std::abort();

  // Merge is how the collector sums days: a stored day merged with itself
  // doubles its sessions and keeps its shape.
  Aggregate doubled = aggregate;
  if (!doubled.Merge(aggregate).ok() || doubled.sessions() != 2 * aggregate.sessions()) {
    std::abort();
  }

  const Config& config = microconv::testing::DemoConfigOrAbort();
  auto report = microconv::BuildReport(aggregate, config);
  if (!report.ok()) {
    if (aggregate.configured() && aggregate.config_hash() == config.hash()) std::abort();
    return 0;
  }
  const std::string json = microconv::RenderReportJson(report.value());
  if (json.empty() || json.front() != '{') std::abort();
  return 0;
}
