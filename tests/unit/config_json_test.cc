#include "core/json/config_json.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace microconv {
namespace {

std::string ReadDemo() {
  std::ifstream in(std::string(MICROCONV_SOURCE_DIR) + "/demo-site/sites/demo.json");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A small valid config around the given pieces; the bad-config table breaks
// one thing at a time.
std::string Site(const std::string& micros, const std::string& funnels = "[]",
                 const std::string& extra = "") {
  return R"({"site": "s", "forms": [{"id": "f", "selector": "#f"}],)"
         R"( "micro_conversions": )" +
         micros + R"(, "funnels": )" + funnels + extra + "}";
}

const char* kTwoMicros = R"([{"id": "a", "kind": "click", "selector": "#a"},)"
                         R"( {"id": "b", "kind": "page_view", "page": "/b"}])";

std::string Funnel(const std::string& steps, const std::string& extra = "") {
  return R"([{"id": "p", "steps": )" + steps + extra + "}]";
}

std::vector<uint8_t> Bytes(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }

int IndexOf(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* list,
            std::string_view value) {
  for (flatbuffers::uoffset_t i = 0; list != nullptr && i < list->size(); ++i) {
    if (list->Get(i)->string_view() == value) return static_cast<int>(i);
  }
  return -1;
}

TEST(ConfigJsonTest, DemoLoadsWithRightLookups) {
  std::string demo = ReadDemo();
  ASSERT_FALSE(demo.empty()) << "demo.json not found";
  Result<Config> loaded = LoadConfigJson(demo);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  const Config& c = loaded.value();
  const wire::SiteConfig& def = c.def();
  EXPECT_EQ(c.site(), "demo");
  EXPECT_EQ(c.micro_count(), 19u);
  EXPECT_EQ(c.funnel_count(), 2u);
  EXPECT_EQ(c.template_count(), 14u);
  EXPECT_EQ(def.session_timeout_ms(), 30u * 60 * 1000);

  using V = std::vector<uint8_t>;
  int add_to_cart = IndexOf(def.click_selectors(), "[data-mc=add-to-cart]");
  ASSERT_GE(add_to_cart, 0);
  EXPECT_EQ(Bytes(c.ClickMicros(static_cast<uint16_t>(add_to_cart))), (V{4}));
  EXPECT_EQ(def.micros()->Get(4)->id()->string_view(), "add_to_cart");
  int checkout = IndexOf(def.click_selectors(), "[data-mc=checkout]");
  EXPECT_EQ(Bytes(c.ClickMicros(static_cast<uint16_t>(checkout))), (V{5}));
  EXPECT_EQ(def.click_selectors()->size(), 3u);
  EXPECT_EQ(Bytes(c.PageViewMicros()), (V{1, 2, 3}));
  EXPECT_EQ(Bytes(c.FormSubmitMicros(0)), (V{0}));  // signin
  EXPECT_EQ(Bytes(c.FormSubmitMicros(3)), (V{9}));  // newsletter
  EXPECT_EQ(Bytes(c.FormStartMicros(3)), (V{10}));
  EXPECT_TRUE(c.FormStartMicros(0).empty());
  EXPECT_EQ(Bytes(c.DataLayerMicros()), (V{8}));
  EXPECT_EQ(Bytes(c.MediaMicros(0)), (V{13}));
  EXPECT_EQ(Bytes(c.ScrollMicros()), (V{15}));
  EXPECT_EQ(Bytes(c.VisibleMicros(0)), (V{16}));
  // add_to_cart is a call to action: its selector is watched for visibility
  // after the element_visible rules' (#reviews keeps index 0).
  ASSERT_EQ(def.visibility_selectors()->size(), 2u);
  EXPECT_EQ(def.visibility_selectors()->Get(1)->string_view(), "[data-mc=add-to-cart]");
  EXPECT_EQ(def.micros()->Get(4)->cta_visible(), 2u);
  EXPECT_EQ(Bytes(c.CallsToActionSeenBy(1)), (V{4}));
  EXPECT_TRUE(c.VisibleMicros(1).empty());
  EXPECT_TRUE(c.IsCallToAction(4));
  EXPECT_FALSE(c.IsCallToAction(5));
  EXPECT_EQ(Bytes(c.TimeOnPageMicros()), (V{17}));
  EXPECT_EQ(Bytes(c.CustomMicros()), (V{18}));

  const wire::MicroConversionDef* purchase = def.micros()->Get(8);
  EXPECT_TRUE(purchase->macro());
  EXPECT_EQ(purchase->value_cents(), 14900u);
  EXPECT_EQ(purchase->event()->string_view(), "purchase");
  EXPECT_EQ(def.micros()->Get(13)->media_event(), wire::MediaEvent::Quartile75);
  EXPECT_EQ(def.micros()->Get(15)->threshold(), 75u);
  EXPECT_EQ(def.micros()->Get(15)->page_match(), wire::PageMatch::Glob);  // has '*'
  EXPECT_EQ(def.micros()->Get(3)->page_match(), wire::PageMatch::Exact);
  EXPECT_EQ(def.micros()->Get(17)->threshold(), 30u);
  EXPECT_EQ(def.micros()->Get(0)->label()->string_view(), "Signed in");

  const wire::FunnelDef* funnel = def.funnels()->Get(0);
  EXPECT_EQ(funnel->id()->string_view(), "purchase");
  EXPECT_EQ(funnel->mode(), wire::FunnelMode::Sequential);
  EXPECT_EQ(funnel->window_ms(), 3600u * 1000);
  ASSERT_EQ(funnel->steps()->size(), 9u);
  EXPECT_TRUE(funnel->steps()->Get(0)->optional());
  EXPECT_FALSE(funnel->steps()->Get(1)->optional());
  EXPECT_EQ(std::vector<uint8_t>(funnel->steps()->Get(8)->micros()->begin(),
                                 funnel->steps()->Get(8)->micros()->end()),
            (V{8}));
  EXPECT_EQ(def.funnels()->Get(1)->mode(), wire::FunnelMode::AnyOrder);
  EXPECT_EQ(def.funnels()->Get(1)->window_ms(), 0u);

  EXPECT_EQ(c.MatchTemplate("/product/123"), 4);
  EXPECT_EQ(c.MatchTemplate("/blog"), 10);
  EXPECT_EQ(c.MatchTemplate("/blog/my-post/"), 11);
  EXPECT_EQ(c.MatchTemplate("/nope"), -1);
  EXPECT_TRUE(c.PageFilterMatches(15, "/blog/my-post"));
  EXPECT_FALSE(c.PageFilterMatches(15, "/blog"));

  ASSERT_NE(def.privacy(), nullptr);
  EXPECT_EQ(def.privacy()->scope(), wire::PrivacyScope::Session);
  EXPECT_TRUE(def.privacy()->honor_gpc());
  EXPECT_EQ(def.privacy()->k_anonymity(), 5);
  EXPECT_EQ(def.forms()->Get(1)->fields()->size(), 5u);
}

TEST(ConfigJsonTest, RoundTripJsonCompiledJson) {
  Result<wire::SiteConfigT> parsed = ParseConfigJson(ReadDemo());
  ASSERT_TRUE(parsed.ok()) << parsed.message();
  Result<std::vector<uint8_t>> compiled = CompileConfig(parsed.value());
  ASSERT_TRUE(compiled.ok()) << compiled.message();
  Result<Config> loaded = Config::FromCompiled(compiled.value());
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  // Unpacking the loaded config and compiling again gives the same bytes.
  std::unique_ptr<wire::SiteConfigT> unpacked(loaded.value().def().UnPack());
  Result<std::vector<uint8_t>> again = CompileConfig(*unpacked);
  ASSERT_TRUE(again.ok()) << again.message();
  EXPECT_EQ(again.value(), compiled.value());
  EXPECT_EQ(unpacked->micros.size(), parsed.value().micros.size());
  EXPECT_EQ(unpacked->micros[4]->target, parsed.value().micros[4]->target);
  Result<Config> direct = LoadConfigJson(ReadDemo());
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(direct.value().hash(), loaded.value().hash());
}

TEST(ConfigJsonTest, DefaultsAndConversions) {
  Result<wire::SiteConfigT> r = ParseConfigJson(
      Site(R"([{"id": "a", "kind": "click", "selector": "#x"},)"
           R"( {"id": "b", "kind": "click", "selector": "#y", "value": 19.99},)"
           R"( {"id": "c", "kind": "click", "selector": "#x", "page": "/shop", "match": "prefix"},)"
           R"( {"id": "d", "kind": "element_visible", "selector": "#x"},)"
           R"( {"id": "e", "kind": "page_view", "page": "/p/*"},)"
           R"( {"id": "g", "kind": "media", "selector": "video"},)"
           R"( {"id": "h", "kind": "datalayer", "event": "add_shipping_info"},)"
           R"( {"id": "i", "kind": "form_start", "form": "f"}])",
           Funnel(R"([{"micros": ["a", "b"], "window": 1.5}, {"micros": ["e"]}])",
                  R"(, "mode": "strict", "exclude": ["d"])")));
  ASSERT_TRUE(r.ok()) << r.message();
  const wire::SiteConfigT& c = r.value();
  EXPECT_EQ(c.click_selectors, (std::vector<std::string>{"#x", "#y"}));
  EXPECT_EQ(c.visibility_selectors, (std::vector<std::string>{"#x"}));
  EXPECT_EQ(c.media_selectors, (std::vector<std::string>{"video"}));
  EXPECT_EQ(c.micros[0]->target, 0);
  EXPECT_EQ(c.micros[1]->target, 1);
  EXPECT_EQ(c.micros[2]->target, 0);  // deduplicated
  EXPECT_EQ(c.micros[3]->target, 0);
  EXPECT_EQ(c.micros[0]->label, "a");  // label defaults to the id
  EXPECT_EQ(c.micros[1]->value_cents, 1999u);
  EXPECT_EQ(c.micros[2]->page_match, wire::PageMatch::Prefix);
  EXPECT_EQ(c.micros[4]->page_match, wire::PageMatch::Glob);
  EXPECT_EQ(c.micros[5]->media_event, wire::MediaEvent::Play);
  EXPECT_EQ(c.micros[6]->event, "add_shipping_info");
  EXPECT_EQ(c.micros[7]->kind, wire::MicroKind::FormStart);
  EXPECT_EQ(c.session_timeout_ms, 1800000u);
  ASSERT_EQ(c.funnels.size(), 1u);
  EXPECT_EQ(c.funnels[0]->label, "p");
  EXPECT_EQ(c.funnels[0]->mode, wire::FunnelMode::Strict);
  EXPECT_EQ(c.funnels[0]->exclusions, (std::vector<uint8_t>{3}));
  EXPECT_EQ(c.funnels[0]->steps[0]->micros, (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(c.funnels[0]->steps[0]->window_ms, 1500u);
  EXPECT_EQ(c.funnels[0]->steps[0]->label, "a");  // first micro's label
  EXPECT_EQ(c.funnels[0]->steps[1]->window_ms, 0u);
  ASSERT_NE(c.privacy, nullptr);
  EXPECT_TRUE(c.privacy->honor_gpc);
  EXPECT_TRUE(c.privacy->honor_dnt);
  EXPECT_EQ(c.privacy->k_anonymity, 5);
}

TEST(ConfigJsonTest, PrivacyOptions) {
  Result<Config> r = LoadConfigJson(Site("[]", "[]",
                                         R"(, "session_timeout_minutes": 45, "privacy": {)"
                                         R"("scope": "journey", "journey_days": 30,)"
                                         R"( "honor_gpc": false, "honor_dnt": false,)"
                                         R"( "require_consent": true, "ldp_epsilon": 0,)"
                                         R"( "replay_sample_rate": 0, "k_anonymity": 10})"));
  ASSERT_TRUE(r.ok()) << r.message();
  const wire::PrivacyDef* p = r.value().def().privacy();
  EXPECT_EQ(r.value().def().session_timeout_ms(), 45u * 60 * 1000);
  EXPECT_EQ(p->scope(), wire::PrivacyScope::Journey);
  EXPECT_EQ(p->journey_days(), 30);
  EXPECT_FALSE(p->honor_gpc());
  EXPECT_FALSE(p->honor_dnt());
  EXPECT_TRUE(p->require_consent());
  EXPECT_FLOAT_EQ(p->ldp_epsilon(), 0);
  EXPECT_FLOAT_EQ(p->replay_sample_rate(), 0);
  EXPECT_EQ(p->k_anonymity(), 10);
}

struct BadConfig {
  std::string json;
  std::string message;
};

TEST(ConfigJsonTest, BadConfigsNameTheField) {
  const std::string a = R"({"id": "a", "kind": "click", "selector": "#a"})";
  const BadConfig cases[] = {
      {"[]", "config: expected an object"},
      {R"({"micro_conversions": []})", "site: required"},
      {R"({"site": ""})", "site: must not be empty"},
      {R"({"site": 5})", "site: expected a string"},
      {R"({"site": "a b"})", "site: use only letters, digits, '_', '-', '.'"},
      {R"({"site": "s", "funnel": []})", "funnel: unknown key"},
      {R"({"site": "s", "session_timeout_minutes": 0})", "session_timeout_minutes: must be > 0"},
      {R"({"site": "s", "session_timeout_minutes": "30"})",
       "session_timeout_minutes: expected a number"},
      {R"({"site": "s", "pages": ["product/:id"]})", "pages[0]: must start with '/'"},
      {R"({"site": "s", "pages": "/"})", "pages: expected an array"},
      {R"({"site": "s", "pages": ["/", 3]})", "pages[1]: expected a string or an object"},
      {R"({"site": "s", "pages": [{"example": "/p/1"}]})", "pages[0].template: required"},
      {R"({"site": "s", "pages": [{"template": "/p/:id", "sample": "/p/1"}]})",
       "pages[0].sample: unknown key"},
      {R"({"site": "s", "currency": "eur"})",
       "currency: \"eur\" is not an ISO 4217 code (three capitals: EUR, USD)"},
      {R"({"site": "s", "currency": 978})", "currency: expected a string"},
      {R"({"site": "s", "forms": [{"id": "f"}]})", "forms[0].selector: required"},
      {R"({"site": "s", "forms": [{"id": "f", "selector": "#f", "fields": [""]}]})",
       "forms[0].fields[0]: must not be empty"},
      {R"({"site": "s", "forms": [{"id": "f", "selector": "#f"}, {"id": "f", "selector": "#g"}]})",
       "forms[1].id: duplicate id \"f\""},
      {Site("{}"), "micro_conversions: expected an array"},
      {Site(R"([{"id": "a", "kind": "page_view", "page": "/", "cta": true}])"),
       "micro_conversions[0].cta: not allowed for kind \"page_view\""},
      {Site(R"([{"id": "a", "kind": "click", "selector": "#a", "cta": 1}])"),
       "micro_conversions[0].cta: expected a boolean"},
      {Site("[" + a + ", 7]"), "micro_conversions[1]: expected an object"},
      {Site(R"([{"kind": "click", "selector": "#a"}])"), "micro_conversions[0].id: required"},
      {Site("[" + a + ", " + a + "]"), "micro_conversions[1].id: duplicate id \"a\""},
      {Site(R"([{"id": "a", "kind": "tap"}])"),
       "micro_conversions[0].kind: unknown kind \"tap\" (one of page_view, click, form_start, "
       "form_submit, scroll_depth, element_visible, media, time_on_page, custom, datalayer)"},
      {Site(R"([{"id": "a", "kind": "click"}])"), "micro_conversions[0].selector: required"},
      {Site(R"([{"id": "a", "kind": "click", "selecter": "#a"}])"),
       "micro_conversions[0].selecter: unknown key"},
      {Site(R"([{"id": "a", "kind": "click", "selector": "#a", "percent": 50}])"),
       "micro_conversions[0].percent: not allowed for kind \"click\""},
      {Site(R"([{"id": "a", "kind": "click", "selector": "#a", "macro": "yes"}])"),
       "micro_conversions[0].macro: expected a boolean"},
      {Site(R"([{"id": "a", "kind": "click", "selector": "#a", "value": -1}])"),
       "micro_conversions[0].value: must be >= 0"},
      {Site("[" + a + R"(, {"id": "b", "kind": "page_view"}])"),
       "micro_conversions[1].page: required"},
      {Site(R"([{"id": "b", "kind": "page_view", "page": "/b", "match": "regex"}])"),
       "micro_conversions[0].match: unknown mode \"regex\" (exact, prefix or glob)"},
      {Site(R"([{"id": "a", "kind": "click", "selector": "#a", "match": "exact"}])"),
       "micro_conversions[0].match: needs \"page\""},
      {Site(R"([{"id": "b", "kind": "page_view", "page": "b"}])"),
       "micro_conversions[0].page: must start with '/'"},
      {Site(R"([{"id": "a0", "kind": "custom", "event": "e"},)"
            R"( {"id": "a1", "kind": "custom", "event": "e"},)"
            R"( {"id": "a2", "kind": "form_start", "form": "f"},)"
            R"( {"id": "a3", "kind": "form_submit", "form": "f"},)"
            R"( {"id": "a4", "kind": "form_submit", "form": "x"}])"),
       "micro_conversions[4].form: unknown form \"x\""},
      {Site(R"([{"id": "s", "kind": "scroll_depth", "page": "/", "percent": 0}])"),
       "micro_conversions[0].percent: must be >= 1"},
      {Site(R"([{"id": "s", "kind": "scroll_depth", "page": "/", "percent": 101}])"),
       "micro_conversions[0].percent: must be <= 100"},
      {Site(R"([{"id": "s", "kind": "scroll_depth", "page": "/", "percent": 50.5}])"),
       "micro_conversions[0].percent: expected an integer"},
      {Site(R"([{"id": "s", "kind": "scroll_depth", "page": "/"}])"),
       "micro_conversions[0].percent: required"},
      {Site(R"([{"id": "t", "kind": "time_on_page", "page": "/", "seconds": 0}])"),
       "micro_conversions[0].seconds: must be >= 1"},
      {Site(R"([{"id": "v", "kind": "media", "selector": "video", "media_event": "q30"}])"),
       "micro_conversions[0].media_event: unknown event \"q30\" (one of play, q25, q50, q75, "
       "ended)"},
      {Site(R"([{"id": "c", "kind": "custom"}])"), "micro_conversions[0].event: required"},
      {Site(R"([{"id": "d", "kind": "datalayer", "event": "AddToCart"}])"),
       "micro_conversions[0].event: a dataLayer event name is [a-z_]+, at most 40 bytes "
       "(e.g. \"purchase\")"},
      {Site(R"([{"id": "a b", "kind": "custom", "event": "x"}])"),
       "micro_conversions[0].id: use only letters, digits, '_', '-', '.'"},
      {Site(kTwoMicros, Funnel("[]")), "funnels[0].steps: at least one step"},
      {Site(kTwoMicros, R"([{"id": "p"}])"), "funnels[0].steps: required"},
      {Site(kTwoMicros, Funnel(R"([{"micros": ["a"]}])", R"(, "mode": "loose")")),
       "funnels[0].mode: unknown mode \"loose\" (sequential, strict or any_order)"},
      {Site(kTwoMicros, Funnel(R"([{"micros": ["a"]}, {"micros": ["a", "b"]},)"
                               R"( {"micros": ["b"]}, {"micros": ["a", "zz"]}])")),
       "funnels[0].steps[3].micros[1]: unknown micro-conversion \"zz\""},
      {Site(kTwoMicros, Funnel(R"([{"micros": ["a"]}, {"micros": []}])")),
       "funnels[0].steps[1].micros: at least one micro-conversion"},
      {Site(kTwoMicros, Funnel(R"([{"label": "x"}])")), "funnels[0].steps[0].micros: required"},
      {Site(kTwoMicros, Funnel(R"([{"micros": ["a"], "optional": true}])")),
       "funnels[0].steps: at least one step must not be optional"},
      {Site(kTwoMicros, Funnel(R"([{"micros": ["a"], "windw": 3}])")),
       "funnels[0].steps[0].windw: unknown key"},
      {Site(kTwoMicros, R"([{"id": "p", "steps": [{"micros": ["a"]}]}, {"id": "q", "steps": [)"
                        R"({"micros": ["a"]}, {"micros": ["a"]}, {"micros": ["a"]},)"
                        R"( {"micros": ["b"], "window": 0}]}])"),
       "funnels[1].steps[3].window: must be > 0"},
      {Site(kTwoMicros, Funnel(R"([{"micros": ["a"]}, {"micros": ["b"], "window": 5}])",
                               R"(, "mode": "any_order")")),
       "funnels[0].steps[1].window: step windows need an order (sequential or strict); any_order "
       "uses the funnel window"},
      {Site(kTwoMicros, Funnel(R"([{"micros": ["a"]}])", R"(, "window": -5)")),
       "funnels[0].window: must be > 0"},
      {Site(kTwoMicros, Funnel(R"([{"micros": ["a"]}])", R"(, "exclude": ["b", "q"])")),
       "funnels[0].exclude[1]: unknown micro-conversion \"q\""},
      {Site(kTwoMicros, R"([{"id": "p", "steps": [{"micros": ["a"]}]},)"
                        R"( {"id": "p", "steps": [{"micros": ["a"]}]}])"),
       "funnels[1].id: duplicate id \"p\""},
      {Site("[]", "[]", R"(, "privacy": {"scope": "forever"})"),
       "privacy.scope: unknown scope \"forever\" (session or journey)"},
      {Site("[]", "[]", R"(, "privacy": {"scope": "journey"})"), "privacy.journey_days: required"},
      {Site("[]", "[]", R"(, "privacy": {"journey_days": 3})"),
       "privacy.journey_days: only with scope \"journey\""},
      {Site("[]", "[]", R"(, "privacy": {"ldp_epsilon": -0.1})"),
       "privacy.ldp_epsilon: must be >= 0"},
      {Site("[]", "[]", R"(, "privacy": {"replay_sample_rate": 2})"),
       "privacy.replay_sample_rate: must be <= 1"},
      {Site("[]", "[]", R"(, "privacy": {"ldp_epsilon": 0.05})"),
       "privacy.ldp_epsilon: must be 0 (off) or within 0.1..10"},
      {Site("[]", "[]", R"(, "privacy": {"ldp_epsilon": 10.5})"),
       "privacy.ldp_epsilon: must be 0 (off) or within 0.1..10"},
      {Site("[]", "[]", R"(, "privacy": {"replay_sample_rate": 0.25, "ldp_epsilon": 1})"),
       "privacy.replay_sample_rate: must be 0 with ldp_epsilon (an LDP summary carries no "
       "timeline)"},
      {Site("[]", "[]", R"(, "privacy": {"k_anonymity": 0})"), "privacy.k_anonymity: must be >= 1"},
      {Site("[]", "[]", R"(, "privacy": {"honor_gpc": 1})"),
       "privacy.honor_gpc: expected a boolean"},
      {Site("[]", "[]", R"(, "privacy": {"dnt": true})"), "privacy.dnt: unknown key"},
      {Site("[]", "[]", R"(, "privacy": true)"), "privacy: expected an object"},
      {R"({"site": "s", "site": "t"})", "site: duplicate key"},
      {Site(R"([{"id": "a", "kind": "click", "selector": "#a", "id": "b"}])"),
       "micro_conversions[0].id: duplicate key"},
  };
  int checked = 0;
  for (const BadConfig& bad : cases) {
    Result<wire::SiteConfigT> r = ParseConfigJson(bad.json);
    EXPECT_FALSE(r.ok()) << bad.json;
    EXPECT_EQ(r.error(), Error::kInvalidConfig) << bad.json;
    EXPECT_EQ(r.message(), bad.message) << bad.json;
    ++checked;
  }
  EXPECT_GE(checked, 25);
}

// Settings that would do nothing are refused when the config compiles.
TEST(ConfigJsonTest, RevenueAndExampleRules) {
  auto load = [](const std::string& text) { return LoadConfigJson(text); };
  const std::string macro = R"([{"id": "buy", "kind": "datalayer", "event": "purchase")";
  auto ok = load(Site(macro + R"(, "macro": true, "value": 149.9}])", "[]",
                      R"(, "currency": "USD", "pages": ["/", {"template": "/p/:id",)"
                      R"( "example": "/p/aurora"}])"));
  ASSERT_TRUE(ok.ok()) << ok.message();
  EXPECT_EQ(ok.value().currency(), "USD");
  EXPECT_EQ(ok.value().PageExample(1), "/p/aurora");
  EXPECT_EQ(ok.value().PageExample(0), "");
  EXPECT_EQ(ok.value().def().micros()->Get(0)->value_cents(), 14990u);
  EXPECT_EQ(load(Site(kTwoMicros)).value().currency(), "EUR");  // the default
  const std::pair<std::string, std::string> bad[] = {
      {Site(macro + R"(, "value": 10}])"), "value: counts as revenue only on a macro-conversion"},
      {Site(macro + R"(, "macro": true, "value": 1000001}])"), "value"},
      {Site(kTwoMicros, "[]", R"(, "pages": [{"template": "/p/:id", "example": "/q/1"}])"),
       "is not a page of \"/p/:id\""},
      {Site(kTwoMicros, "[]", R"(, "pages": [{"template": "/p/:id", "example": "/p/1?x=1"}])"),
       "must be a path without query"},
      {Site(kTwoMicros, "[]", R"(, "pages": ["/p/*", {"template": "/p/:id", "example": "/p/1"}])"),
       "counts as the earlier \"/p/*\""},
  };
  for (const auto& [text, message] : bad) {
    auto r = load(text);
    EXPECT_FALSE(r.ok()) << text;
    EXPECT_NE(r.message().find(message), std::string::npos) << r.message();
  }
}

TEST(ConfigJsonTest, UnknownFunnelKey) {
  Result<wire::SiteConfigT> r = ParseConfigJson(
      Site(kTwoMicros, R"([{"id": "p", "steps": [{"micros": ["a"]}], "windows": 3}])"));
  EXPECT_EQ(r.message(), "funnels[0].windows: unknown key");
}

TEST(ConfigJsonTest, LimitsAreEnforced) {
  std::string micros = "[";
  for (int i = 0; i < 251; ++i) {
    micros += (i ? "," : "") + std::string(R"({"id": "m)") + std::to_string(i) +
              R"(", "kind": "custom", "event": "e"})";
  }
  micros += "]";
  EXPECT_EQ(ParseConfigJson(Site(micros)).message(),
            "micro_conversions: at most 250 entries (got 251)");

  std::string steps = "[";
  for (int i = 0; i < 33; ++i) steps += (i ? "," : "") + std::string(R"({"micros": ["a"]})");
  steps += "]";
  EXPECT_EQ(ParseConfigJson(Site(kTwoMicros, Funnel(steps))).message(),
            "funnels[0].steps: at most 32 entries (got 33)");

  std::string clicks = "[";
  for (int i = 0; i < 251; ++i) {
    clicks += (i ? "," : "") + std::string(R"({"id": "c)") + std::to_string(i) +
              R"(", "kind": "click", "selector": "#s)" + std::to_string(i) + "\"}";
  }
  clicks += "]";
  EXPECT_EQ(ParseConfigJson(Site(clicks)).message(),
            "micro_conversions: at most 250 entries (got 251)");
  // 250 distinct selectors fit.
  size_t cut = clicks.rfind(",{");
  std::string fits = clicks.substr(0, cut) + "]";
  EXPECT_TRUE(LoadConfigJson(Site(fits)).ok());
}

TEST(ConfigJsonTest, InvalidJsonNamesTheByteOffset) {
  Result<wire::SiteConfigT> r = ParseConfigJson(R"({"site": })");
  EXPECT_EQ(r.error(), Error::kInvalidConfig);
  EXPECT_EQ(r.message().rfind("config: invalid JSON at byte 9", 0), 0u) << r.message();
  r = ParseConfigJson("");
  EXPECT_EQ(r.message().rfind("config: invalid JSON at byte 0", 0), 0u) << r.message();
  r = ParseConfigJson(R"({"site": "s"} x)");
  EXPECT_EQ(r.message().rfind("config: invalid JSON at byte 14", 0), 0u) << r.message();
  r = ParseConfigJson("{\"site\": \"\xff\"}");
  EXPECT_EQ(r.message().rfind("config: invalid JSON at byte", 0), 0u) << r.message();
  r = ParseConfigJson("{\"site\": \"s\", // comment\n}");
  EXPECT_FALSE(r.ok());
}

TEST(ConfigJsonTest, HostileInputIsRefusedNotCrashed) {
  std::string big(kMaxConfigJsonBytes + 1, ' ');
  EXPECT_EQ(ParseConfigJson(big).error(), Error::kTooLarge);
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  EXPECT_EQ(ParseConfigJson(deep).message(), "config: expected an object");
  std::string unclosed(200000, '{');
  EXPECT_FALSE(ParseConfigJson(unclosed).ok());
  // nlohmann would stop at the NUL and accept the prefix.
  EXPECT_EQ(ParseConfigJson(std::string("{\"site\":\"s\"}\0x", 14)).message(),
            "config: invalid JSON at byte 12: NUL byte");
  Result<wire::SiteConfigT> r = ParseConfigJson(
      Site(R"([{"id": "a", "kind": "click", "selector": "#a", "\u0000evil\"": 1}])"));
  EXPECT_EQ(r.message(), "micro_conversions[0].?evil?: unknown key");
}

TEST(ConfigJsonTest, UnicodeLabelsSurvive) {
  Result<Config> r = LoadConfigJson(Site(
      R"([{"id": "a", "label": "Caf\u00e9 \u2615", "kind": "page_view", "page": "/caf\u00e9"}])"));
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.value().def().micros()->Get(0)->label()->string_view(), "Caf\xC3\xA9 \xE2\x98\x95");
  EXPECT_TRUE(r.value().PageFilterMatches(0, "/caf\xC3\xA9"));
}

}  // namespace
}  // namespace microconv
