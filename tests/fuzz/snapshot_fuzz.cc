// Fuzz target for session snapshots: the tracker keeps them in
// sessionStorage, where page scripts can rewrite them, so Session::Restore
// meets untrusted bytes. Beyond "no crash": a snapshot it accepts restores a
// session whose summary passes the verifier against the same config, and
// whose own snapshot restores again to the same bytes (nothing is lost or
// invented by a round trip).
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "core/config.h"
#include "core/session.h"
#include "core/summary.h"
#include "tests/support/demo_config.h"

using microconv::Config;
using microconv::Error;
using microconv::Session;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Config& config = microconv::testing::DemoConfigOrAbort();
  auto restored = Session::Restore(config, std::span<const uint8_t>(data, size));
  if (!restored.ok()) {
    // The caller starts a fresh session on exactly these two.
    if (restored.error() != Error::kCorruptSnapshot && restored.error() != Error::kConfigMismatch) {
      std::abort();
    }
    return 0;
  }
  const Session& session = restored.value();
  const std::vector<uint8_t> summary = session.PreviewSummary();
  if (!microconv::VerifySummary(summary, &config).ok()) std::abort();

  const std::vector<uint8_t> snapshot = session.Snapshot();
  auto again = Session::Restore(config, snapshot);
  if (!again.ok() || again.value().Snapshot() != snapshot) std::abort();
  return 0;
}
