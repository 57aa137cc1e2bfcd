// Real summaries for integration tests and load: the golden event streams
// (tests/golden/*.events) run through the core with the demo config loaded
// from demo-site/sites/demo.json, exactly as the collector loads it.
#ifndef MICROCONV_TESTS_INTEGRATION_JOURNEYS_H_
#define MICROCONV_TESTS_INTEGRATION_JOURNEYS_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config.h"
#include "tests/support/event_stream.h"

namespace microconv::testing {

class Journeys {
 public:
  // Loads the demo config and the golden streams; ok() is false on failure.
  // A `replay_sample_rate` above 0 sets the config's privacy switch (the
  // collector refuses timelines of a config that samples none): serve
  // config_json() as the site's config then.
  explicit Journeys(double replay_sample_rate = 0);
  bool ok() const { return ok_; }
  const Config& config() const { return config_; }
  const std::string& config_json() const { return config_json_; }

  // The final summary of a golden journey ("purchase", "dropoff_product",
  // "dropoff_shipping", "dropoff_blog") as a new session with `nonce`.
  std::vector<uint8_t> Summary(const std::string& journey, uint64_t nonce) const;

  // `flushes` cumulative summaries (seq 1..flushes) of one session walking
  // the journey: flush i is sent after the first i/flushes of its events.
  std::vector<std::vector<uint8_t>> Flushes(const std::string& journey, uint64_t nonce,
                                            int flushes) const;

  // The same summary as another session: only the nonce (and seq) change,
  // through the object API. Cheap enough for load generation.
  // The same summary as a session that started at `start` (whole minutes)
  // and lasted `duration`, still running unless `ended`: what the live
  // board's "active now" reads.
  static std::vector<uint8_t> AtTime(const std::vector<uint8_t>& summary,
                                     std::chrono::system_clock::time_point start,
                                     std::chrono::seconds duration, bool ended = false);

  // The same summary carrying a journey replay `timeline` (Summary.replay):
  // what a sampled session sends (issue 13 point 3).
  static std::vector<uint8_t> WithReplay(const std::vector<uint8_t>& summary,
                                         const std::vector<uint8_t>& timeline);
  // A timeline of the tests: a page, a click in grid cell (row 3, column 5),
  // a rage click, a scroll to 60 % and micro-conversion 0 (ReplayTimeline).
  static std::vector<uint8_t> SampleTimeline();

  static std::vector<uint8_t> WithNonce(const std::vector<uint8_t>& summary, uint64_t nonce,
                                        uint32_t seq = 1);

 private:
  bool ok_ = false;
  std::string config_json_;
  Config config_;
  std::map<std::string, EventStream> streams_;
};

}  // namespace microconv::testing

#endif  // MICROCONV_TESTS_INTEGRATION_JOURNEYS_H_
