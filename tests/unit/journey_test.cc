// Journey scope (core/journey.h): funnel progress continues across the
// visits of one device, each visit sends only what it added, and the report
// counts each journey once.
#include "core/journey.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/aggregate.h"
#include "core/report.h"
#include "core/report_json.h"
#include "core/session.h"
#include "core/summary.h"
#include "core/wire_ids.h"
#include "tests/support/shop_config.h"

namespace microconv {
namespace {

constexpr int64_t kT0 = 1700000000000;
constexpr int64_t kHourMs = 3600000;

// Micros view, add, buy (macro), news; funnel buy = view -> add -> buy.
Config JourneyConfig(bool journey, uint16_t days = 7) {
  wire::SiteConfigT c;
  c.site = "shop";
  c.page_templates = {"/"};
  testing::AddMicro(c, "view", wire::MicroKind::CustomEvent);
  testing::AddMicro(c, "add", wire::MicroKind::CustomEvent);
  testing::AddMicro(c, "buy", wire::MicroKind::CustomEvent, true);
  testing::AddMicro(c, "news", wire::MicroKind::CustomEvent);
  testing::AddFunnel(c, "buy", "Buy", {0, 1, 2}, "S");
  c.privacy = std::make_unique<wire::PrivacyDefT>();
  c.privacy->k_anonymity = 1;
  if (journey) {
    c.privacy->scope = wire::PrivacyScope::Journey;
    c.privacy->journey_days = days;
  }
  Result<Config> config = testing::LoadConfig(c);
  EXPECT_TRUE(config.ok()) << config.message();
  return config.ok() ? std::move(config).value() : Config();
}

struct Visit {
  std::vector<uint8_t> summary;  // the final flush
  std::vector<uint8_t> journey;  // what the device keeps for the next visit
};

// One visit as the tracker runs it: a new session (its own nonce), the
// stored journey continued, custom events a minute apart, the final flush.
// The snapshot round trip in the middle is a page load within the visit.
Visit RunVisit(const Config& config, uint64_t nonce, int64_t start_ms,
               const std::vector<uint8_t>& stored, std::vector<std::string_view> names) {
  Session first(config, SessionStart{.nonce = nonce, .time_ms = start_ms});
  if (!stored.empty()) EXPECT_TRUE(first.ContinueJourney(stored).ok());
  Result<Session> restored = Session::Restore(config, first.Snapshot());
  EXPECT_TRUE(restored.ok()) << restored.message();
  Session& session = restored.value();
  for (size_t i = 0; i < names.size(); ++i) {
    Event event;
    event.time_ms = start_ms + 60000 * static_cast<int64_t>(i + 1);
    event.type = EventType::kCustom;
    event.str = 0;
    const std::string_view name[] = {names[i]};
    session.Ingest(EventBatch{std::span(&event, 1), name});
  }
  session.End();
  return {session.Flush(), session.JourneySnapshot()};
}

const wire::Summary& Verified(const Config& config, const std::vector<uint8_t>& bytes) {
  auto verified = VerifySummary(bytes, &config);
  EXPECT_TRUE(verified.ok()) << verified.message();
  return *verified.value();
}

uint32_t FirstReached(const wire::Summary& s) {
  return s.journey_steps() && s.journey_steps()->size() ? s.journey_steps()->Get(0)->first_reached()
                                                        : 0;
}

Report JourneyReportOf(const Config& config, const std::vector<Visit>& visits, int k = -1) {
  Aggregate aggregate(config);
  for (const Visit& v : visits) EXPECT_TRUE(aggregate.Add(Verified(config, v.summary)).ok());
  // Through the codec, as the collector stores a day.
  auto stored = Aggregate::Deserialize(aggregate.Serialize());
  EXPECT_TRUE(stored.ok()) << stored.message();
  Result<Report> report = BuildReport(stored.value(), config, {.k_anonymity = k});
  EXPECT_TRUE(report.ok()) << report.message();
  return report.value();
}

uint64_t CountOf(const std::vector<JourneyCount>& counts, uint32_t value) {
  for (const JourneyCount& c : counts)
    if (c.value == value) return c.journeys;
  return 0;
}

TEST(JourneyTest, ThreeVisitsOnTwoDaysConvertOnce) {
  const Config config = JourneyConfig(true);
  const Visit v1 = RunVisit(config, 11, kT0, {}, {"view"});
  const Visit v2 = RunVisit(config, 22, kT0 + 3 * kHourMs, v1.journey, {"news", "add"});
  const Visit v3 = RunVisit(config, 33, kT0 + 26 * kHourMs, v2.journey, {"buy"});

  const wire::Summary& s1 = Verified(config, v1.summary);
  const wire::Summary& s2 = Verified(config, v2.summary);
  const wire::Summary& s3 = Verified(config, v3.summary);
  EXPECT_EQ(s1.journey_visit(), 1);
  EXPECT_EQ(s2.journey_visit(), 2);
  EXPECT_EQ(s3.journey_visit(), 3);
  EXPECT_EQ(FirstReached(s1), 0b001u);
  EXPECT_EQ(FirstReached(s2), 0b010u);
  EXPECT_EQ(FirstReached(s3), 0b100u);
  EXPECT_TRUE(HasFlag(s3.journey_steps()->Get(0)->flags(), wire::FunnelFlags::Converted));
  EXPECT_FALSE(HasFlag(s2.journey_steps()->Get(0)->flags(), wire::FunnelFlags::Converted));
  EXPECT_EQ(s1.journey_day(), 0);
  EXPECT_EQ(s3.journey_day(), 1) << "26 hours after the first visit: day 1";
  // Each visit is its own session on the wire: own nonce, own sequence, and
  // its per-visit funnel says only what this visit did.
  EXPECT_EQ(std::set<uint64_t>({s1.nonce(), s2.nonce(), s3.nonce()}).size(), 3u);
  EXPECT_EQ(s3.seq(), 1u);
  ASSERT_EQ(s3.funnels() ? s3.funnels()->size() : 0, 0u) << "visit 3 alone did not enter";

  const Report report = JourneyReportOf(config, {v1, v2, v3});
  const JourneyReport& j = report.journeys;
  EXPECT_EQ(j.visits, 3u);
  EXPECT_EQ(j.started.journeys, 1u);
  ASSERT_EQ(j.funnels.size(), 1u);
  EXPECT_EQ(j.funnels[0].steps[0].journeys, 1u);
  EXPECT_EQ(j.funnels[0].steps[1].journeys, 1u);
  EXPECT_EQ(j.funnels[0].steps[2].journeys, 1u);
  EXPECT_EQ(j.funnels[0].converted.journeys, 1u);
  EXPECT_EQ(CountOf(j.funnels[0].visits_to_convert, 3), 1u);
  EXPECT_EQ(CountOf(j.funnels[0].days_to_convert, 1), 1u);
  // The session funnel counts visits: none of the three converted alone.
  EXPECT_EQ(report.funnels[0].conversions, 0u);
  const std::string json = RenderReportJson(report);
  EXPECT_NE(json.find("\"journeys\""), std::string::npos);
}

// Fewer than k journey visits: the total is withheld like every count beside
// it (it showed 3 visits while the journeys they started were hidden).
TEST(JourneyTest, FewerThanKVisitsAreWithheld) {
  const Config config = JourneyConfig(true);
  const Visit v1 = RunVisit(config, 11, kT0, {}, {"view"});
  const Visit v2 = RunVisit(config, 22, kT0 + 3 * kHourMs, v1.journey, {"news", "add"});
  const Visit v3 = RunVisit(config, 33, kT0 + 26 * kHourMs, v2.journey, {"buy"});
  const Report hidden = JourneyReportOf(config, {v1, v2, v3}, 4);
  EXPECT_TRUE(hidden.journeys.visits_suppressed);
  EXPECT_TRUE(hidden.journeys.started.suppressed);
  // The journeys section's own "visits" (the first key after it opens; a
  // visits_to_convert row names its visit index with the same key).
  const auto section_visits = [](const std::string& json) {
    const size_t open = json.find("\"journeys\": {");
    const size_t key = json.find("\"visits\": ", open);
    return open == std::string::npos ? "" : json.substr(key, json.find(',', key) - key);
  };
  EXPECT_EQ(section_visits(RenderReportJson(hidden)), "\"visits\": null");
  const Report shown = JourneyReportOf(config, {v1, v2, v3}, 3);
  EXPECT_FALSE(shown.journeys.visits_suppressed);
  EXPECT_EQ(section_visits(RenderReportJson(shown)), "\"visits\": 3");
}

TEST(JourneyTest, AJourneyOlderThanNDaysStartsAfresh) {
  const Config config = JourneyConfig(true, 7);
  const Visit v1 = RunVisit(config, 1, kT0, {}, {"view", "add"});
  const Visit v2 = RunVisit(config, 2, kT0 + 7 * 24 * kHourMs, v1.journey, {"view"});
  const wire::Summary& s2 = Verified(config, v2.summary);
  EXPECT_EQ(s2.journey_visit(), 1) << "7 days after the first visit: a new journey";
  EXPECT_EQ(FirstReached(s2), 0b001u);
  // Within the N days it continues.
  const Visit v3 = RunVisit(config, 3, kT0 + 7 * 24 * kHourMs - 1, v1.journey, {"view"});
  EXPECT_EQ(Verified(config, v3.summary).journey_visit(), 2);

  const Report report = JourneyReportOf(config, {v1, v2});
  EXPECT_EQ(report.journeys.started.journeys, 2u);
  EXPECT_EQ(report.journeys.funnels[0].steps[0].journeys, 2u);
  EXPECT_EQ(report.journeys.funnels[0].steps[1].journeys, 1u);
}

TEST(JourneyTest, AStepReachedAgainInALaterVisitCountsOnce) {
  const Config config = JourneyConfig(true);
  const Visit v1 = RunVisit(config, 1, kT0, {}, {"view"});
  const Visit v2 = RunVisit(config, 2, kT0 + kHourMs, v1.journey, {"view", "add"});
  EXPECT_EQ(FirstReached(Verified(config, v2.summary)), 0b010u);
  // The visit's own funnel still shows both steps: it is a session figure.
  EXPECT_EQ(Verified(config, v2.summary).funnels()->Get(0)->reached(), 0b011u);
  const Report report = JourneyReportOf(config, {v1, v2});
  EXPECT_EQ(report.journeys.funnels[0].steps[0].journeys, 1u);
  EXPECT_EQ(report.journeys.funnels[0].steps[1].journeys, 1u);
}

TEST(JourneyTest, AConversionEndsTheJourney) {
  const Config config = JourneyConfig(true);
  const Visit v1 = RunVisit(config, 1, kT0, {}, {"view", "add", "buy"});
  const Visit v2 = RunVisit(config, 2, kT0 + kHourMs, v1.journey, {"view"});
  const wire::Summary& s2 = Verified(config, v2.summary);
  EXPECT_EQ(s2.journey_visit(), 1) << "the visit after a conversion starts a new journey";
  EXPECT_EQ(FirstReached(s2), 0b001u);
  const Report report = JourneyReportOf(config, {v1, v2});
  EXPECT_EQ(report.journeys.started.journeys, 2u);
  EXPECT_EQ(report.journeys.funnels[0].converted.journeys, 1u);
  EXPECT_EQ(CountOf(report.journeys.funnels[0].visits_to_convert, 1), 1u);
  EXPECT_EQ(CountOf(report.journeys.funnels[0].days_to_convert, 0), 1u);
}

// Session scope is what it was: no journey field, no journey state, no
// journeys section in the report.
TEST(JourneyTest, SessionScopeIsUnchanged) {
  const Config config = JourneyConfig(false);
  const Visit v1 = RunVisit(config, 1, kT0, {}, {"view", "add"});
  EXPECT_TRUE(v1.journey.empty());
  const wire::Summary& s = Verified(config, v1.summary);
  EXPECT_EQ(s.journey_visit(), 0);
  EXPECT_EQ(s.journey_steps(), nullptr);
  const Report report = JourneyReportOf(config, {v1});
  EXPECT_EQ(report.journeys.visits, 0u);
  EXPECT_EQ(RenderReportJson(report).find("\"journeys\""), std::string::npos);
  EXPECT_TRUE(Session(config, SessionStart{.nonce = 2, .time_ms = kT0}).ContinueJourney({}).ok());
}

TEST(JourneyTest, TheVerifierHoldsJourneyFieldsToTheConfig) {
  const Config journey = JourneyConfig(true, 7);
  const Config session = JourneyConfig(false);
  const Visit v = RunVisit(journey, 1, kT0, {}, {"view", "add", "buy"});
  auto decoded = [&](const Config& config) {
    wire::SummaryT s;
    Verified(journey, v.summary).UnPackTo(&s);
    s.config_hash = config.hash();
    return s;
  };
  ASSERT_EQ(decoded(journey).journey_steps.size(), 1u);
  EXPECT_EQ(VerifySummary(EncodeSummary(decoded(session)), &session).error(),
            Error::kConfigMismatch)
      << "journey fields from a session-scope site";
  wire::SummaryT no_visit = decoded(journey);
  no_visit.journey_visit = 0;
  EXPECT_EQ(VerifySummary(EncodeSummary(no_visit), &journey).error(), Error::kOutOfRange);
  wire::SummaryT late = decoded(journey);
  late.journey_day = 8;
  EXPECT_EQ(VerifySummary(EncodeSummary(late), &journey).error(), Error::kOutOfRange);
  wire::SummaryT wide = decoded(journey);
  wide.journey_steps[0] = wire::JourneyStep(0, wire::FunnelFlags::NONE, 0, 0b1000);
  EXPECT_EQ(VerifySummary(EncodeSummary(wide), &journey).error(), Error::kOutOfRange);
  wire::SummaryT foreign = decoded(journey);
  foreign.journey_steps[0] = wire::JourneyStep(1, wire::FunnelFlags::NONE, 0, 1);
  EXPECT_EQ(VerifySummary(EncodeSummary(foreign), &journey).error(), Error::kOutOfRange);
  wire::SummaryT unconverted_day = decoded(journey);
  unconverted_day.journey_steps[0] = wire::JourneyStep(0, wire::FunnelFlags::NONE, 0, 1);
  unconverted_day.journey_day = 1;
  EXPECT_EQ(VerifySummary(EncodeSummary(unconverted_day), &journey).error(), Error::kOutOfRange);
}

TEST(JourneyTest, AStoredJourneyIsCheckedBeforeItContinues) {
  const Config config = JourneyConfig(true);
  const Visit v1 = RunVisit(config, 1, kT0, {}, {"view"});
  Session next(config, SessionStart{.nonce = 2, .time_ms = kT0 + kHourMs});
  std::vector<uint8_t> broken = v1.journey;
  broken[broken.size() / 2] ^= 0xff;
  broken.resize(broken.size() - 4);
  EXPECT_FALSE(next.ContinueJourney(broken).ok());
  EXPECT_EQ(next.ContinueJourney(std::vector<uint8_t>{}).error, Error::kCorruptSnapshot);
  // A journey from another config does not continue.
  const Config other = JourneyConfig(true, 9);
  Session elsewhere(other, SessionStart{.nonce = 3, .time_ms = kT0 + kHourMs});
  EXPECT_EQ(elsewhere.ContinueJourney(v1.journey).error, Error::kConfigMismatch);
  // A journey from the future (the clock was set back) does not either.
  Session earlier(config, SessionStart{.nonce = 4, .time_ms = kT0 - kHourMs});
  EXPECT_FALSE(earlier.ContinueJourney(v1.journey).ok());
  // A session snapshot is not a journey, and a session-scope snapshot does
  // not restore in journey scope.
  const Config session_scope = JourneyConfig(false);  // outlives the session that points at it
  Session plain(session_scope, SessionStart{.nonce = 5, .time_ms = kT0});
  EXPECT_FALSE(Session::Restore(config, plain.Snapshot()).ok());
}

TEST(JourneyTest, LdpAndJourneyScopeAreRefusedTogether) {
  wire::SiteConfigT c;
  c.site = "shop";
  testing::AddMicro(c, "view", wire::MicroKind::CustomEvent);
  c.privacy = std::make_unique<wire::PrivacyDefT>();
  c.privacy->scope = wire::PrivacyScope::Journey;
  c.privacy->journey_days = 7;
  c.privacy->ldp_epsilon = 1;
  Result<Config> config = testing::LoadConfig(c);
  EXPECT_EQ(config.error(), Error::kInvalidConfig);
  EXPECT_NE(config.message().find("privacy.ldp_epsilon"), std::string::npos);
}

TEST(JourneyTest, RemovingAVisitTakesItsJourneyFiguresBack) {
  const Config config = JourneyConfig(true);
  const Visit v1 = RunVisit(config, 1, kT0, {}, {"view", "add", "buy"});
  Aggregate empty(config);
  Aggregate aggregate(config);
  ASSERT_TRUE(aggregate.Add(Verified(config, v1.summary)).ok());
  EXPECT_FALSE(aggregate.journeys().entries.empty());
  ASSERT_TRUE(aggregate.Remove(Verified(config, v1.summary)).ok());
  EXPECT_EQ(aggregate.Serialize(), empty.Serialize());
}

}  // namespace
}  // namespace microconv
