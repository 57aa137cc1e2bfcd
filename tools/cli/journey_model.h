// Synthetic visitors of the demo store: the article's 9-step purchase
// journey (sign in, Electronics, Headphones, product, add to cart,
// checkout, shipping, payment, place order) with a configurable chance to
// leave at each step, plus journal readers and a little frustration. Each
// visitor becomes a real event stream run through the real core, so the
// summaries `microconv simulate` sends are exactly what browsers send.
// Every page, element and form field a visitor touches exists in
// demo-site/store (its README's element contract; checked by
// tests/e2e/demo_simulation.test.mjs), and forms are filled with the
// fields the config lists for them.
#ifndef MICROCONV_TOOLS_CLI_JOURNEY_MODEL_H_
#define MICROCONV_TOOLS_CLI_JOURNEY_MODEL_H_

#include <array>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/event.h"
#include "core/session.h"
#include "core/status.h"

namespace microconv {

inline constexpr int kJourneySteps = 9;

struct JourneyOptions {
  // Chance to leave before each of the 9 steps (step 0: before signing in;
  // a visitor who "leaves" before sign-in may still shop as a guest).
  std::array<double, kJourneySteps> dropoff = {0.35, 0.15, 0.2, 0.25, 0.45, 0.2, 0.25, 0.15, 0.1};
  double blog_share = 0.25;      // visitors who come for the blog
  double frustration = 0.08;     // visitors who rage-click somewhere
  int64_t start_ms = 0;          // the earliest session start
  int64_t spread_ms = 86400000;  // sessions start within [start, start + spread)
};

// One visitor: the events and the strings they reference, plus how the
// session starts. `flush_points` are event indices after which the tracker
// would flush (page unloads), so callers can send intermediate summaries.
struct SimulatedVisit {
  SessionStart start;
  std::vector<Event> events;
  std::deque<std::string> strings;
  std::vector<std::string_view> string_views;
  std::vector<size_t> flush_points;
  std::string user_agent, language, time_zone, referrer;
  int furthest_step = 0;  // 0..9: steps of the purchase journey completed
};

class JourneyModel {
 public:
  // Fails when `config` lacks the demo store's forms, selectors or pages.
  static Result<JourneyModel> ForDemoStore(const Config& config);

  SimulatedVisit Next(std::mt19937_64& rng, const JourneyOptions& options) const;

 private:
  JourneyModel() = default;

  // A configured form: its index and its fields in page order.
  struct Form {
    uint16_t index = 0;
    std::vector<std::string> fields;
  };

  uint16_t selector_add_to_cart_ = 0, selector_checkout_ = 0, selector_share_ = 0;
  Form signin_, shipping_, payment_, newsletter_, comment_;
  uint16_t media_video_ = 0, visible_reviews_ = 0;
  // The add-to-cart button as a call to action (config "cta": true).
  uint16_t visible_add_to_cart_ = 0;
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_CLI_JOURNEY_MODEL_H_
