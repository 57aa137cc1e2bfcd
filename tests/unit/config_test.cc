#include "core/config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/flatbuffer_view.h"
#include "core/tracker_settings.h"

namespace microconv {
namespace {

using wire::MicroKind;

std::unique_ptr<wire::MicroConversionDefT> Micro(std::string id, MicroKind kind,
                                                 uint16_t target = 0) {
  auto m = std::make_unique<wire::MicroConversionDefT>();
  m->id = std::move(id);
  m->label = m->id;
  m->kind = kind;
  m->target = target;
  return m;
}

std::unique_ptr<wire::FunnelStepDefT> Step(std::vector<uint8_t> micros, bool optional = false) {
  auto s = std::make_unique<wire::FunnelStepDefT>();
  s->micros = std::move(micros);
  s->optional = optional;
  return s;
}

// One micro-conversion of every kind, two forms, one funnel.
wire::SiteConfigT SmallConfig() {
  wire::SiteConfigT c;
  c.site = "shop";
  c.page_templates = {"/product/new", "/product/:id", "/product/*", "/cart"};
  c.click_selectors = {"#buy", "#share"};
  c.visibility_selectors = {"#reviews"};
  c.media_selectors = {"video"};
  for (const char* id : {"signin", "newsletter"}) {
    auto f = std::make_unique<wire::FormDefT>();
    f->id = id;
    f->selector = std::string("#") + id;
    f->fields = {"email"};
    c.forms.push_back(std::move(f));
  }
  c.micros.push_back(Micro("product", MicroKind::PageView));  // 0
  c.micros.back()->page = "/product/:id";
  c.micros.push_back(Micro("buy", MicroKind::Click, 0));    // 1
  c.micros.push_back(Micro("share", MicroKind::Click, 1));  // 2
  c.micros.back()->page = "/blog";
  c.micros.back()->page_match = wire::PageMatch::Prefix;
  c.micros.push_back(Micro("signin_start", MicroKind::FormStart, 0));  // 3
  c.micros.push_back(Micro("signin", MicroKind::FormSubmit, 0));       // 4
  c.micros.push_back(Micro("news", MicroKind::FormSubmit, 1));         // 5
  c.micros.push_back(Micro("read", MicroKind::ScrollDepth));           // 6
  c.micros.back()->page = "/blog/*";
  c.micros.back()->page_match = wire::PageMatch::Glob;
  c.micros.back()->threshold = 75;
  c.micros.push_back(Micro("reviews", MicroKind::ElementVisible, 0));  // 7
  c.micros.push_back(Micro("video", MicroKind::Media, 0));             // 8
  c.micros.back()->media_event = wire::MediaEvent::Quartile75;
  c.micros.push_back(Micro("engaged", MicroKind::TimeOnPage));  // 9
  c.micros.back()->page = "/product/:id";
  c.micros.back()->threshold = 30;
  c.micros.push_back(Micro("wish", MicroKind::CustomEvent));  // 10
  c.micros.back()->event = "wishlist";
  c.micros.push_back(Micro("purchase", MicroKind::DataLayer));  // 11
  c.micros.back()->event = "purchase";
  c.micros.back()->macro = true;
  c.micros.back()->value_cents = 14900;
  c.micros.push_back(Micro("buy_again", MicroKind::Click, 0));  // 12
  auto funnel = std::make_unique<wire::FunnelDefT>();
  funnel->id = "purchase";
  funnel->steps.push_back(Step({4}, true));
  funnel->steps.push_back(Step({0}));
  funnel->steps.push_back(Step({1, 12}));
  funnel->steps.push_back(Step({11}));
  funnel->exclusions = {2};
  funnel->window_ms = 3600000;
  c.funnels.push_back(std::move(funnel));
  c.privacy = std::make_unique<wire::PrivacyDefT>();
  return c;
}

std::vector<uint8_t> Compiled(const wire::SiteConfigT& c) {
  Result<std::vector<uint8_t>> bytes = CompileConfig(c);
  EXPECT_TRUE(bytes.ok()) << bytes.message();
  return bytes.value();
}

// Packs without CompileConfig's checks, to hand FromCompiled what a buggy or
// hostile producer could send.
std::vector<uint8_t> PackRaw(const wire::SiteConfigT& c, uint8_t version = kConfigVersion) {
  wire::SiteConfigT copy(c);
  copy.version = version;
  flatbuffers::FlatBufferBuilder builder;
  wire::FinishSiteConfigBuffer(builder, wire::SiteConfig::Pack(builder, &copy));
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

std::vector<uint8_t> Bytes(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }

// What the engine relies on after FromCompiled: every index it may follow
// is in range, and every lookup answers.
void ExpectIndicesInRange(const Config& config) {
  const wire::SiteConfig& def = config.def();
  size_t micros = config.micro_count();
  ASSERT_LE(micros, kMaxMicroConversions);
  ASSERT_LE(config.funnel_count(), kMaxFunnels);
  auto size = [](auto* v) -> size_t { return v == nullptr ? 0 : v->size(); };
  for (size_t i = 0; i < micros; ++i) {
    const auto* m = def.micros()->Get(static_cast<flatbuffers::uoffset_t>(i));
    ASSERT_LE(static_cast<int>(m->kind()), static_cast<int>(MicroKind::MAX));
    ASSERT_LE(static_cast<int>(m->page_match()), static_cast<int>(wire::PageMatch::MAX));
    switch (m->kind()) {
      case MicroKind::Click:
        ASSERT_LT(m->target(), size(def.click_selectors()));
        break;
      case MicroKind::FormStart:
      case MicroKind::FormSubmit:
        ASSERT_LT(m->target(), size(def.forms()));
        break;
      case MicroKind::ElementVisible:
        ASSERT_LT(m->target(), size(def.visibility_selectors()));
        break;
      case MicroKind::Media:
        ASSERT_LT(m->target(), size(def.media_selectors()));
        break;
      default:
        break;
    }
    (void)config.PageFilterMatches(static_cast<uint8_t>(i), "/product/1");
  }
  for (size_t f = 0; f < config.funnel_count(); ++f) {
    const auto* funnel = def.funnels()->Get(static_cast<flatbuffers::uoffset_t>(f));
    ASSERT_GE(size(funnel->steps()), 1u);
    ASSERT_LE(size(funnel->steps()), kMaxFunnelSteps);
    for (const auto* step : *funnel->steps()) {
      for (uint8_t id : *step->micros()) ASSERT_LT(id, micros);
    }
    for (uint8_t id : *funnel->exclusions()) ASSERT_LT(id, micros);
  }
  for (uint16_t t = 0; t < 300; ++t) {
    for (auto list : {config.ClickMicros(t), config.FormStartMicros(t), config.FormSubmitMicros(t),
                      config.VisibleMicros(t), config.MediaMicros(t)}) {
      for (uint8_t id : list) ASSERT_LT(id, micros);
    }
  }
  for (auto list : {config.PageViewMicros(), config.ScrollMicros(), config.TimeOnPageMicros(),
                    config.CustomMicros(), config.DataLayerMicros()}) {
    for (uint8_t id : list) ASSERT_LT(id, micros);
  }
  int t = config.MatchTemplate("/product/1");
  ASSERT_LT(t, static_cast<int>(config.template_count()));
}

TEST(ConfigTest, CompilesAndLoadsSmallConfig) {
  std::vector<uint8_t> bytes = Compiled(SmallConfig());
  ASSERT_GE(bytes.size(), 8u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()) + 4, 4), "MCC1");
  Result<Config> loaded = Config::FromCompiled(bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  const Config& config = loaded.value();
  EXPECT_EQ(config.site(), "shop");
  EXPECT_EQ(config.def().version(), kConfigVersion);
  EXPECT_EQ(config.micro_count(), 13u);
  EXPECT_EQ(config.funnel_count(), 1u);
  EXPECT_EQ(config.template_count(), 4u);
  EXPECT_EQ(Bytes(config.bytes()), bytes);
  ExpectIndicesInRange(config);
}

TEST(ConfigTest, VersionIsStampedWhateverTheInputSays) {
  wire::SiteConfigT c = SmallConfig();
  c.version = 77;
  Result<Config> loaded = Config::FromCompiled(Compiled(c));
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_EQ(loaded.value().def().version(), kConfigVersion);
}

// The tracker's settings are rendered into the compiled config from the
// rules alone: what the browser hands its JS is exactly what the renderer
// gives for these rules, and a stale or forged rendering in the input is
// replaced, so recompiling a compiled config gives the same bytes.
TEST(ConfigTest, TrackerSettingsAreRenderedFromTheRulesAtCompileTime) {
  const std::vector<uint8_t> bytes = Compiled(SmallConfig());
  Result<Config> loaded = Config::FromCompiled(bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  const std::string_view stored = View(loaded.value().def().tracker_settings());
  EXPECT_EQ(stored, RenderTrackerSettingsJson(loaded.value()));
  EXPECT_NE(stored.find("\"clicks\""), std::string_view::npos) << stored;
  EXPECT_NE(stored.find("\"site\": \"shop\""), std::string_view::npos) << stored;

  wire::SiteConfigT again;
  loaded.value().def().UnPackTo(&again);
  again.tracker_settings = "{\"clicks\": [\"forged\"]}";
  again.rules_hash = 1;
  EXPECT_EQ(Compiled(again), bytes);

  // The identity is the first pass's hash: the rules without the settings,
  // as this config compiled before they joined it (the golden summaries
  // keep their config_hash).
  wire::SiteConfigT rules_only;
  loaded.value().def().UnPackTo(&rules_only);
  rules_only.tracker_settings.clear();
  rules_only.rules_hash = 0;
  flatbuffers::FlatBufferBuilder fbb;
  wire::FinishSiteConfigBuffer(fbb, wire::SiteConfig::Pack(fbb, &rules_only));
  uint32_t fnv = 2166136261u;
  for (size_t i = 0; i < fbb.GetSize(); ++i) fnv = (fnv ^ fbb.GetBufferPointer()[i]) * 16777619u;
  EXPECT_EQ(loaded.value().hash(), fnv);
  EXPECT_EQ(loaded.value().def().rules_hash(), fnv);
}

TEST(ConfigTest, LookupTablesByKind) {
  Result<Config> loaded = Config::FromCompiled(Compiled(SmallConfig()));
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  const Config& c = loaded.value();
  using V = std::vector<uint8_t>;
  EXPECT_EQ(Bytes(c.PageViewMicros()), (V{0}));
  EXPECT_EQ(Bytes(c.ClickMicros(0)), (V{1, 12}));  // config order
  EXPECT_EQ(Bytes(c.ClickMicros(1)), (V{2}));
  EXPECT_TRUE(c.ClickMicros(2).empty());
  EXPECT_TRUE(c.ClickMicros(65535).empty());
  EXPECT_EQ(Bytes(c.FormStartMicros(0)), (V{3}));
  EXPECT_TRUE(c.FormStartMicros(1).empty());
  EXPECT_EQ(Bytes(c.FormSubmitMicros(0)), (V{4}));
  EXPECT_EQ(Bytes(c.FormSubmitMicros(1)), (V{5}));
  EXPECT_TRUE(c.FormSubmitMicros(2).empty());
  EXPECT_EQ(Bytes(c.ScrollMicros()), (V{6}));
  EXPECT_EQ(Bytes(c.VisibleMicros(0)), (V{7}));
  EXPECT_TRUE(c.VisibleMicros(1).empty());
  EXPECT_EQ(Bytes(c.MediaMicros(0)), (V{8}));
  EXPECT_EQ(Bytes(c.TimeOnPageMicros()), (V{9}));
  EXPECT_EQ(Bytes(c.CustomMicros()), (V{10}));
  EXPECT_EQ(Bytes(c.DataLayerMicros()), (V{11}));
}

TEST(ConfigTest, MatchTemplatePicksFirstMatch) {
  Result<Config> loaded = Config::FromCompiled(Compiled(SmallConfig()));
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  const Config& c = loaded.value();
  EXPECT_EQ(c.MatchTemplate("/product/new"), 0);  // also matches :id and *
  EXPECT_EQ(c.MatchTemplate("/product/42"), 1);
  EXPECT_EQ(c.MatchTemplate("/product/42/"), 1);
  EXPECT_EQ(c.MatchTemplate("/product/42/reviews"), 2);
  EXPECT_EQ(c.MatchTemplate("/cart/"), 3);
  EXPECT_EQ(c.MatchTemplate("/carts"), -1);
  EXPECT_EQ(c.MatchTemplate(""), -1);
  EXPECT_EQ(c.MatchTemplate("/product"), -1);
}

TEST(ConfigTest, PageFilter) {
  Result<Config> loaded = Config::FromCompiled(Compiled(SmallConfig()));
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  const Config& c = loaded.value();
  EXPECT_TRUE(c.PageFilterMatches(1, "/anything"));  // no page filter
  EXPECT_TRUE(c.PageFilterMatches(2, "/blog"));
  EXPECT_TRUE(c.PageFilterMatches(2, "/blog/post"));
  EXPECT_FALSE(c.PageFilterMatches(2, "/blogs"));
  EXPECT_TRUE(c.PageFilterMatches(0, "/product/7"));
  EXPECT_FALSE(c.PageFilterMatches(0, "/product/7/x"));
  EXPECT_TRUE(c.PageFilterMatches(6, "/blog/a/b"));
  EXPECT_FALSE(c.PageFilterMatches(13, "/"));  // no such micro
  EXPECT_FALSE(c.PageFilterMatches(255, "/"));
}

// A config compiled before `rules_hash` existed (stored config versions of
// earlier releases) is named by the FNV-1a of its whole buffer; CompileConfig
// now stores that same hash of its first pass (the test above).
TEST(ConfigTest, HashIsFnv1aOfTheBytesAndTracksContent) {
  wire::SiteConfigT earlier = SmallConfig();
  earlier.version = static_cast<uint8_t>(kConfigVersion);
  flatbuffers::FlatBufferBuilder fbb;
  wire::FinishSiteConfigBuffer(fbb, wire::SiteConfig::Pack(fbb, &earlier));
  const std::vector<uint8_t> legacy(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  uint32_t expected = 2166136261u;
  for (uint8_t b : legacy) expected = (expected ^ b) * 16777619u;
  Result<Config> old = Config::FromCompiled(legacy);
  ASSERT_TRUE(old.ok()) << old.message();
  EXPECT_EQ(old.value().hash(), expected);

  std::vector<uint8_t> bytes = Compiled(SmallConfig());
  Result<Config> a = Config::FromCompiled(bytes);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value().hash(), expected) << "the same rules keep their name";
  wire::SiteConfigT other = SmallConfig();
  other.micros[0]->label = "Product page";
  Result<Config> b = Config::FromCompiled(Compiled(other));
  ASSERT_TRUE(b.ok());
  EXPECT_NE(a.value().hash(), b.value().hash());
  EXPECT_EQ(Compiled(SmallConfig()), bytes);  // compiling is deterministic
}

TEST(ConfigTest, CopiesAndMovesOwnTheirBytes) {
  std::vector<uint8_t> bytes = Compiled(SmallConfig());
  Config copy;
  Config moved;
  {
    Result<Config> loaded = Config::FromCompiled(bytes);
    ASSERT_TRUE(loaded.ok());
    Config original = std::move(loaded).value();
    copy = original;
    Config copy_constructed(original);
    moved = std::move(original);
    EXPECT_EQ(original.micro_count(), 0u);  // NOLINT: moved-from is empty, not dangling
    EXPECT_EQ(original.site(), "");
    EXPECT_EQ(copy_constructed.site(), "shop");
    EXPECT_NE(copy_constructed.bytes().data(), moved.bytes().data());
  }
  // The originals are gone; both must read their own bytes.
  EXPECT_EQ(copy.site(), "shop");
  EXPECT_EQ(moved.site(), "shop");
  EXPECT_NE(copy.bytes().data(), moved.bytes().data());
  EXPECT_EQ(reinterpret_cast<const uint8_t*>(&copy.def()) >= copy.bytes().data(), true);
  EXPECT_LT(reinterpret_cast<const uint8_t*>(&copy.def()),
            copy.bytes().data() + copy.bytes().size());
  EXPECT_EQ(copy.MatchTemplate("/product/3"), 1);
  EXPECT_EQ(moved.MatchTemplate("/product/3"), 1);
  EXPECT_EQ(copy.hash(), moved.hash());
  Config& self = copy;
  copy = self;
  EXPECT_EQ(copy.site(), "shop");
}

TEST(ConfigTest, DefaultConfigIsEmptyAndSafe) {
  Config empty;
  EXPECT_EQ(empty.site(), "");
  EXPECT_EQ(empty.micro_count(), 0u);
  EXPECT_EQ(empty.funnel_count(), 0u);
  EXPECT_EQ(empty.template_count(), 0u);
  EXPECT_EQ(empty.MatchTemplate("/"), -1);
  EXPECT_TRUE(empty.ClickMicros(0).empty());
  EXPECT_TRUE(empty.PageViewMicros().empty());
  EXPECT_FALSE(empty.PageFilterMatches(0, "/"));
}

TEST(ConfigTest, LoadsFromUnalignedSpan) {
  std::vector<uint8_t> bytes = Compiled(SmallConfig());
  std::vector<uint8_t> shifted(bytes.size() + 1);
  std::copy(bytes.begin(), bytes.end(), shifted.begin() + 1);
  Result<Config> loaded = Config::FromCompiled(std::span(shifted).subspan(1));
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_EQ(loaded.value().site(), "shop");
}

struct BadCompile {
  const char* name;
  void (*mutate)(wire::SiteConfigT&);
  const char* message;
};

TEST(ConfigTest, CompileConfigRejectsBrokenRules) {
  const BadCompile cases[] = {
      {"empty site", [](wire::SiteConfigT& c) { c.site.clear(); }, "site: must not be empty"},
      {"click target", [](wire::SiteConfigT& c) { c.micros[1]->target = 9; },
       "micros[1].target: 9 >= 2 click selectors"},
      {"form target", [](wire::SiteConfigT& c) { c.micros[4]->target = 2; },
       "micros[4].target: 2 >= 2 forms"},
      {"visible target", [](wire::SiteConfigT& c) { c.micros[7]->target = 1; },
       "micros[7].target: 1 >= 1 visibility selectors"},
      {"media target", [](wire::SiteConfigT& c) { c.micros[8]->target = 3; },
       "micros[8].target: 3 >= 1 media selectors"},
      {"step micro", [](wire::SiteConfigT& c) { c.funnels[0]->steps[2]->micros[1] = 13; },
       "funnels[0].steps[2].micros[1]: 13 >= 13 micro-conversions"},
      {"exclusion",
       [](wire::SiteConfigT& c) {
         c.funnels[0]->exclusions = {0, 200};
       },
       "funnels[0].exclusions[1]: 200 >= 13 micro-conversions"},
      {"no steps", [](wire::SiteConfigT& c) { c.funnels[0]->steps.clear(); },
       "funnels[0].steps: at least one step"},
      {"33 steps",
       [](wire::SiteConfigT& c) {
         while (c.funnels[0]->steps.size() < 33) c.funnels[0]->steps.push_back(Step({0}));
       },
       "funnels[0].steps: 33 entries, at most 32"},
      {"empty step", [](wire::SiteConfigT& c) { c.funnels[0]->steps[1]->micros.clear(); },
       "funnels[0].steps[1].micros: at least one micro-conversion"},
      {"duplicate micro", [](wire::SiteConfigT& c) { c.micros[3]->id = "buy"; },
       "micros[3].id: duplicate id \"buy\""},
      {"empty micro id", [](wire::SiteConfigT& c) { c.micros[0]->id.clear(); },
       "micros[0].id: must not be empty"},
      {"scroll 0", [](wire::SiteConfigT& c) { c.micros[6]->threshold = 0; },
       "micros[6].threshold: 0 is not a percent 1..100"},
      {"scroll 101", [](wire::SiteConfigT& c) { c.micros[6]->threshold = 101; },
       "micros[6].threshold: 101 is not a percent 1..100"},
      {"page view without page", [](wire::SiteConfigT& c) { c.micros[0]->page.clear(); },
       "micros[0].page: required"},
      {"custom without event", [](wire::SiteConfigT& c) { c.micros[10]->event.clear(); },
       "micros[10].event: required"},
      {"too many micros",
       [](wire::SiteConfigT& c) {
         while (c.micros.size() < 251) {
           c.micros.push_back(Micro("m" + std::to_string(c.micros.size()), MicroKind::Click));
         }
       },
       "micros: 251 entries, at most 250"},
      {"too many selectors", [](wire::SiteConfigT& c) { c.click_selectors.resize(251, "#x"); },
       "click_selectors: 251 entries, at most 250"},
      {"null micro", [](wire::SiteConfigT& c) { c.micros[2].reset(); }, "micros[2]: null"},
      {"null step", [](wire::SiteConfigT& c) { c.funnels[0]->steps[0].reset(); },
       "funnels[0].steps[0]: null"},
      {"epsilon NaN",
       [](wire::SiteConfigT& c) {
         c.privacy->ldp_epsilon = std::numeric_limits<float>::quiet_NaN();
       },
       "privacy.ldp_epsilon: must be 0 (off) or within 0.1..10"},
      {"replay 1.5", [](wire::SiteConfigT& c) { c.privacy->replay_sample_rate = 1.5f; },
       "privacy.replay_sample_rate: must be within 0..1"},
      {"k 0", [](wire::SiteConfigT& c) { c.privacy->k_anonymity = 0; },
       "privacy.k_anonymity: must be >= 1"},
      {"journey 0 days",
       [](wire::SiteConfigT& c) { c.privacy->scope = wire::PrivacyScope::Journey; },
       "privacy.journey_days: 0 is outside 1..365"},
      {"timeout 0", [](wire::SiteConfigT& c) { c.session_timeout_ms = 0; },
       "session_timeout_ms: must be > 0"},
  };
  for (const BadCompile& bad : cases) {
    wire::SiteConfigT c = SmallConfig();
    bad.mutate(c);
    Result<std::vector<uint8_t>> bytes = CompileConfig(c);
    EXPECT_FALSE(bytes.ok()) << bad.name;
    EXPECT_EQ(bytes.error(), Error::kInvalidConfig) << bad.name;
    EXPECT_EQ(bytes.message(), bad.message) << bad.name;
  }
}

TEST(ConfigTest, CompileConfigRejectsOversize) {
  wire::SiteConfigT c = SmallConfig();
  c.micros[0]->label = std::string(kMaxCompiledConfigBytes, 'x');
  Result<std::vector<uint8_t>> bytes = CompileConfig(c);
  EXPECT_EQ(bytes.error(), Error::kTooLarge);
}

TEST(ConfigTest, FromCompiledRejectsShortAndForeignBytes) {
  std::vector<uint8_t> none;
  EXPECT_EQ(Config::FromCompiled(none).error(), Error::kTruncated);
  std::vector<uint8_t> seven(7, 0);
  EXPECT_EQ(Config::FromCompiled(seven).error(), Error::kTruncated);
  std::vector<uint8_t> bytes = Compiled(SmallConfig());
  bytes[4] = 'X';
  EXPECT_EQ(Config::FromCompiled(bytes).error(), Error::kWrongIdentifier);
  std::vector<uint8_t> zeros(64, 0);
  EXPECT_EQ(Config::FromCompiled(zeros).error(), Error::kWrongIdentifier);
}

TEST(ConfigTest, FromCompiledRejectsEveryTruncation) {
  std::vector<uint8_t> bytes = Compiled(SmallConfig());
  size_t accepted = 0;
  for (size_t n = 0; n < bytes.size(); ++n) {
    Result<Config> r = Config::FromCompiled(std::span(bytes.data(), n));
    if (!r.ok()) continue;
    // Only trailing alignment padding may go: everything read is still there.
    ++accepted;
    for (size_t i = n; i < bytes.size(); ++i) EXPECT_EQ(bytes[i], 0) << "accepted " << n;
    EXPECT_EQ(r.value().micro_count(), 13u);
    ExpectIndicesInRange(r.value());
  }
  EXPECT_LT(accepted, 8u);
}

TEST(ConfigTest, FromCompiledRejectsOversize) {
  std::vector<uint8_t> bytes = Compiled(SmallConfig());
  bytes.resize(kMaxCompiledConfigBytes + 1);
  Result<Config> r = Config::FromCompiled(bytes);
  EXPECT_EQ(r.error(), Error::kTooLarge);
  EXPECT_EQ(r.message(), "config: 262145 bytes, at most 262144");
}

TEST(ConfigTest, FromCompiledRejectsOtherVersions) {
  Result<Config> newer = Config::FromCompiled(PackRaw(SmallConfig(), kConfigVersion + 1));
  EXPECT_EQ(newer.error(), Error::kUnsupportedVersion);
  EXPECT_EQ(newer.message(), "version: 2, this build reads 1");
  EXPECT_EQ(Config::FromCompiled(PackRaw(SmallConfig(), 0)).error(), Error::kUnsupportedVersion);
}

TEST(ConfigTest, FromCompiledChecksIndicesAndEnums) {
  wire::SiteConfigT c = SmallConfig();
  c.micros[1]->target = 9;
  Result<Config> r = Config::FromCompiled(PackRaw(c));
  EXPECT_EQ(r.error(), Error::kOutOfRange);
  EXPECT_EQ(r.message(), "micros[1].target: 9 >= 2 click selectors");

  c = SmallConfig();
  c.micros[3]->kind = static_cast<MicroKind>(42);
  r = Config::FromCompiled(PackRaw(c));
  EXPECT_EQ(r.error(), Error::kOutOfRange);
  EXPECT_EQ(r.message(), "micros[3].kind: unknown kind 42");

  c = SmallConfig();
  c.micros[0]->page_match = static_cast<wire::PageMatch>(3);
  EXPECT_EQ(Config::FromCompiled(PackRaw(c)).message(), "micros[0].page_match: unknown mode 3");

  c = SmallConfig();
  c.micros[8]->media_event = static_cast<wire::MediaEvent>(5);
  EXPECT_EQ(Config::FromCompiled(PackRaw(c)).message(), "micros[8].media_event: unknown event 5");

  c = SmallConfig();
  c.funnels[0]->mode = static_cast<wire::FunnelMode>(3);
  EXPECT_EQ(Config::FromCompiled(PackRaw(c)).message(), "funnels[0].mode: unknown mode 3");

  c = SmallConfig();
  c.privacy->scope = static_cast<wire::PrivacyScope>(2);
  EXPECT_EQ(Config::FromCompiled(PackRaw(c)).message(), "privacy.scope: unknown scope 2");

  c = SmallConfig();
  c.funnels[0]->steps[3]->micros = {250};
  r = Config::FromCompiled(PackRaw(c));
  EXPECT_EQ(r.error(), Error::kOutOfRange);
  EXPECT_EQ(r.message(), "funnels[0].steps[3].micros[0]: 250 >= 13 micro-conversions");

  c = SmallConfig();
  c.site.clear();
  EXPECT_EQ(Config::FromCompiled(PackRaw(c)).error(), Error::kInvalidConfig);
}

TEST(ConfigTest, MinimalConfigLoads) {
  wire::SiteConfigT c;
  c.site = "s";
  Result<Config> r = Config::FromCompiled(Compiled(c));
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.value().micro_count(), 0u);
  EXPECT_EQ(r.value().def().session_timeout_ms(), 1800000u);
  EXPECT_EQ(r.value().def().privacy(), nullptr);
  ExpectIndicesInRange(r.value());
}

// Hostile bytes never crash: each single-bit flip is either rejected or
// yields a config the engine can follow safely.
TEST(ConfigTest, BitFlipsAreRejectedOrSafe) {
  std::vector<uint8_t> bytes = Compiled(SmallConfig());
  size_t accepted = 0;
  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    std::vector<uint8_t> flipped = bytes;
    flipped[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    Result<Config> r = Config::FromCompiled(flipped);
    if (!r.ok()) {
      EXPECT_FALSE(r.message().empty());
      continue;
    }
    ++accepted;
    ExpectIndicesInRange(r.value());
    if (HasFatalFailure()) {
      ADD_FAILURE() << "bit " << bit;
      return;
    }
  }
  // Flips in labels and padding are harmless; flips in offsets are not.
  EXPECT_GT(accepted, 0u);
  EXPECT_LT(accepted, bytes.size() * 8);
}

}  // namespace
}  // namespace microconv
