// Plays random sessions through the engine the way a tracker could (event
// batches with clocks that jump and go backwards, Advance ahead of the
// events, snapshot and restore at any point, flushes, a final ended flush)
// and checks every flushed summary against the one before it: what a session
// has done never goes down (SPEC section 5, issue 9 part 8). Shared by the
// property test (tests/unit/session_monotone_test.cc) and the session fuzz
// target; header-only because the libFuzzer build compiles its own core.
#ifndef MICROCONV_TESTS_SUPPORT_RANDOM_SESSION_H_
#define MICROCONV_TESTS_SUPPORT_RANDOM_SESSION_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/config.h"
#include "core/event.h"
#include "core/session.h"
#include "core/summary.h"
#include "core/wire_ids.h"
#include "tests/support/shop_config.h"

namespace microconv::testing {

// The shop config plus a rule of every timed kind and a windowed funnel:
// what the fuzz target plays against (it has no files but its corpus).
inline wire::SiteConfigT RandomSessionConfigDef() {
  wire::SiteConfigT def = ShopConfigDef("random");
  def.visibility_selectors = {"#reviews"};
  def.media_selectors = {"video"};
  // Scroll and time-on-page rules need a page: every page.
  for (auto [id, kind, threshold] :
       {std::tuple{"read", wire::MicroKind::ScrollDepth, 50u},
        std::tuple{"reviews_seen", wire::MicroKind::ElementVisible, 0u},
        std::tuple{"engaged", wire::MicroKind::TimeOnPage, 10u}}) {
    wire::MicroConversionDefT* micro = AddMicro(def, id, kind);
    micro->threshold = threshold;
    if (kind != wire::MicroKind::ElementVisible) {
      micro->page = "/";
      micro->page_match = wire::PageMatch::Prefix;
    }
  }
  AddMicro(def, "watched", wire::MicroKind::Media)->media_event = wire::MediaEvent::Quartile50;
  AddMicro(def, "wishlist", wire::MicroKind::CustomEvent)->event = "wishlist";
  def.funnels[0]->window_ms = 60000;
  def.session_timeout_ms = 300000;
  return def;
}

// What must never go down between two flushes of one session.
struct MonotoneFacts {
  uint32_t seq = 0, duration_ds = 0, active_ds = 0;
  uint32_t page_views = 0, rage_clicks = 0, dead_clicks = 0, quick_backs = 0;
  std::vector<uint32_t> micro_counts;           // by micro id: path occurrences + repeats
  std::map<uint8_t, uint32_t> funnel_furthest;  // absent: 0
  std::map<uint8_t, bool> funnel_converted;
  std::vector<uint32_t> page_views_by_slot, page_active_by_slot;  // slots never move
  uint32_t heat_clicks = 0;

  static MonotoneFacts Of(const wire::Summary& s, size_t micro_count) {
    MonotoneFacts f;
    f.seq = s.seq();
    if (const wire::SessionFacts* facts = s.facts()) {
      f.duration_ds = facts->duration_ds();
      f.active_ds = facts->active_ds();
      f.page_views = facts->page_views();
      f.rage_clicks = facts->rage_clicks();
      f.dead_clicks = facts->dead_clicks();
      f.quick_backs = facts->quick_backs();
    }
    f.micro_counts.assign(micro_count, 0);
    if (s.path_steps()) {
      for (uint8_t micro : *s.path_steps()) ++f.micro_counts.at(micro);
    }
    if (s.repeats()) {
      for (const wire::IdCount* c : *s.repeats()) f.micro_counts.at(c->id()) += c->count();
    }
    if (s.funnels()) {
      for (const wire::FunnelProgress* p : *s.funnels()) {
        f.funnel_furthest[p->funnel()] = p->furthest();
        f.funnel_converted[p->funnel()] = HasFlag(p->flags(), wire::FunnelFlags::Converted);
      }
    }
    if (s.pages()) {
      for (const wire::PageStat* p : *s.pages()) {
        f.page_views_by_slot.push_back(p->views());
        f.page_active_by_slot.push_back(p->active_ds());
      }
    }
    if (s.heat()) {
      for (const wire::HeatCell* c : *s.heat()) f.heat_clicks += c->count();
    }
    return f;
  }

  // Empty when `next` may follow `*this`; otherwise what went wrong.
  std::string CheckFollowedBy(const MonotoneFacts& next) const {
    auto down = [](const char* what, uint64_t before, uint64_t after) {
      return std::string(what) + " went down: " + std::to_string(before) + " -> " +
             std::to_string(after);
    };
    if (next.active_ds > next.duration_ds) {
      return "active time above duration: " + std::to_string(next.active_ds) + " > " +
             std::to_string(next.duration_ds) + " ds";
    }
    if (next.seq <= seq) return down("seq (or stayed)", seq, next.seq);
    const std::pair<const char*, std::pair<uint32_t, uint32_t>> scalars[] = {
        {"duration_ds", {duration_ds, next.duration_ds}},
        {"active_ds", {active_ds, next.active_ds}},
        {"page_views", {page_views, next.page_views}},
        {"rage_clicks", {rage_clicks, next.rage_clicks}},
        {"dead_clicks", {dead_clicks, next.dead_clicks}},
        {"quick_backs", {quick_backs, next.quick_backs}},
        {"heat clicks", {heat_clicks, next.heat_clicks}}};
    for (const auto& [what, values] : scalars) {
      if (values.second < values.first) return down(what, values.first, values.second);
    }
    for (size_t m = 0; m < micro_counts.size(); ++m) {
      if (next.micro_counts[m] < micro_counts[m]) {
        return down(("count of micro " + std::to_string(m)).c_str(), micro_counts[m],
                    next.micro_counts[m]);
      }
    }
    for (const auto& [funnel, furthest] : funnel_furthest) {
      auto it = next.funnel_furthest.find(funnel);
      uint32_t after = it == next.funnel_furthest.end() ? 0 : it->second;
      if (after < furthest)
        return down(("furthest step of funnel " + std::to_string(funnel)).c_str(), furthest, after);
      if (funnel_converted.at(funnel) && !next.funnel_converted.at(funnel)) {
        return "funnel " + std::to_string(funnel) + " no longer converted";
      }
    }
    if (next.page_views_by_slot.size() < page_views_by_slot.size())
      return down("pages", page_views_by_slot.size(), next.page_views_by_slot.size());
    for (size_t p = 0; p < page_views_by_slot.size(); ++p) {
      if (next.page_views_by_slot[p] < page_views_by_slot[p])
        return down("views of a page", page_views_by_slot[p], next.page_views_by_slot[p]);
      if (next.page_active_by_slot[p] < page_active_by_slot[p])
        return down("active time of a page", page_active_by_slot[p], next.page_active_by_slot[p]);
    }
    return {};
  }
};

// The choices of one random session. `Choices` has `uint32_t Below(uint32_t
// n)` (a value in [0, n); n > 0) and `bool Done()`: a seeded generator in
// the property test, the fuzz input in the fuzz target.
template <typename Choices>
class RandomSessionPlayer {
 public:
  RandomSessionPlayer(const Config& config, Choices& choices) : config_(config), choices_(choices) {
    const auto* micros = config.def().micros();
    for (size_t i = 0; micros && i < micros->size(); ++i) {
      if (const auto* name = micros->Get(static_cast<flatbuffers::uoffset_t>(i))->event()) {
        strings_.push_back(name->str());
      }
    }
    const auto* forms = config.def().forms();
    for (size_t i = 0; forms && i < forms->size(); ++i) {
      const auto* fields = forms->Get(static_cast<flatbuffers::uoffset_t>(i))->fields();
      for (size_t k = 0; fields && k < fields->size(); ++k) {
        strings_.push_back(fields->Get(static_cast<flatbuffers::uoffset_t>(k))->str());
      }
    }
    // Pages of the demo store and the shop config, elements, a literal page,
    // an unconfigured field.
    for (const char* s :
         {"/", "/product/1", "/product/2?utm_source=x", "/cart", "/checkout/shipping",
          "/checkout/payment", "/order/confirmed", "/blog/post", "/signin", "/unknown/page",
          "button#pay", "a#calm", "img.hero", "coupon"}) {
      strings_.emplace_back(s);
    }
    for (const std::string& s : strings_) views_.push_back(s);
  }

  // Plays up to `max_steps` steps (or until the choices run out), then ends
  // the session with a final flush. Returns the first broken promise, or
  // empty.
  std::string Play(int max_steps) {
    const int64_t timeout = config_.def().session_timeout_ms();
    // Gaps stay well inside the inactivity timeout: an expired session is a
    // new one, and monotonicity is about one session.
    const int64_t max_gap = std::max<int64_t>(1, std::min<int64_t>(timeout / 4, 120000));
    int64_t now = 1700000000000;
    session_.emplace(config_, SessionStart{.nonce = 1, .time_ms = now});
    int64_t newest = now;
    for (int step = 0; step < max_steps && !choices_.Done(); ++step) {
      switch (choices_.Below(10)) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 4: {
          std::vector<Event> events(1 + choices_.Below(8));
          for (Event& e : events) {
            now = NextTime(now, newest, max_gap);
            newest = std::max(newest, now);
            e = RandomEvent(now);
          }
          // An expired session is over: the rest of the batch would start
          // a new one.
          if (session_->Ingest({events, views_}).expired) step = max_steps;
          break;
        }
        case 5: {  // the tracker's timer: Advance to its clock, maybe ahead of any event
          int64_t at = newest + choices_.Below(static_cast<uint32_t>(max_gap));
          if (session_->ExpiredAt(at)) break;
          session_->Advance(at);
          if (choices_.Below(2)) now = newest = at;
          break;
        }
        case 6:
        case 7: {  // page unload: snapshot, restore on the next page
          auto restored = Session::Restore(config_, session_->Snapshot());
          if (!restored.ok()) return "own snapshot rejected: " + restored.message();
          session_.emplace(std::move(restored).value());
          break;
        }
        default: {
          std::string broken = FlushAndCheck();
          if (!broken.empty()) return broken;
        }
      }
    }
    session_->End();
    return FlushAndCheck();
  }

  int flushes() const noexcept { return flushes_; }

 private:
  int64_t NextTime(int64_t now, int64_t newest, int64_t max_gap) {
    switch (choices_.Below(6)) {
      case 0:
        return now;
      case 1:
        return now - choices_.Below(5000);  // the clock went backwards
      case 2:
        return newest + choices_.Below(static_cast<uint32_t>(max_gap));
      default:
        return now + choices_.Below(3000);
    }
  }

  Event RandomEvent(int64_t t) {
    Event e;
    e.time_ms = t;
    e.type = static_cast<EventType>(1 + choices_.Below(16));
    e.a = static_cast<uint16_t>(choices_.Below(6));
    e.b = static_cast<uint8_t>(choices_.Below(5));
    if (e.type == EventType::kScroll) e.a = static_cast<uint16_t>(choices_.Below(120));
    if (e.type == EventType::kVisibility || e.type == EventType::kElementVisible)
      e.b = choices_.Below(2);
    e.str =
        choices_.Below(static_cast<uint32_t>(views_.size()) + 1);  // one past the end: no string
    e.x = static_cast<int32_t>(choices_.Below(100));
    e.y = static_cast<int32_t>(choices_.Below(100));
    e.w = e.h = 100;
    return e;
  }

  std::string FlushAndCheck() {
    std::vector<uint8_t> bytes = session_->Flush();
    ++flushes_;
    auto verified = VerifySummary(bytes, &config_);
    if (!verified.ok()) return "summary failed verification: " + verified.message();
    const auto* micros = config_.def().micros();
    MonotoneFacts next = MonotoneFacts::Of(*verified.value(), micros ? micros->size() : 0);
    std::string broken = last_ ? last_->CheckFollowedBy(next) : std::string();
    if (!broken.empty()) return "flush " + std::to_string(next.seq) + ": " + broken;
    last_ = std::move(next);
    return {};
  }

  const Config& config_;
  Choices& choices_;
  std::vector<std::string> strings_;
  std::vector<std::string_view> views_;
  std::optional<Session> session_;
  std::optional<MonotoneFacts> last_;
  int flushes_ = 0;
};

}  // namespace microconv::testing

#endif  // MICROCONV_TESTS_SUPPORT_RANDOM_SESSION_H_
