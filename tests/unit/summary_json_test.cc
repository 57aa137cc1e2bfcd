// The readable rendering of a summary: exact text (it is what goldens, the
// CLI and the playground show) and the escaping of attacker-controlled
// strings.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/summary.h"
#include "core/wire_ids.h"
#include "tests/support/shop_config.h"

namespace microconv {
namespace {

using wire::ElementStat;
using wire::FieldStat;
using wire::FormStat;
using wire::FunnelProgress;
using wire::HeatCell;
using wire::IdCount;
using wire::PageStat;

// Two templates, three micros, a two-step funnel, two forms, a selector.
Config BlogConfig() {
  wire::SiteConfigT def;
  def.site = "blog";
  def.page_templates = {"/", "/post/:slug"};
  def.click_selectors = {"a.share"};
  testing::AddMicro(def, "read", wire::MicroKind::PageView)->page = "/post/:slug";
  testing::AddMicro(def, "share", wire::MicroKind::Click)->target = 0;
  testing::AddMicro(def, "subscribe", wire::MicroKind::FormSubmit)->target = 0;
  auto form = std::make_unique<wire::FormDefT>();
  form->id = "newsletter";
  form->selector = "#nl";
  form->fields = {"email"};
  def.forms.push_back(std::move(form));
  auto contact = std::make_unique<wire::FormDefT>();
  contact->id = "contact";
  contact->selector = "#contact";
  contact->fields = {"message", "email"};
  def.forms.push_back(std::move(contact));
  auto funnel = std::make_unique<wire::FunnelDefT>();
  funnel->id = "subscribe";
  for (const auto& [label, micro_id] : {std::pair{"Read", 0}, std::pair{"Subscribed", 2}}) {
    auto step = std::make_unique<wire::FunnelStepDefT>();
    step->label = label;
    step->micros = {static_cast<uint8_t>(micro_id)};
    funnel->steps.push_back(std::move(step));
  }
  def.funnels.push_back(std::move(funnel));
  Result<std::vector<uint8_t>> bytes = CompileConfig(def);
  EXPECT_TRUE(bytes.ok()) << bytes.message();
  Result<Config> config = Config::FromCompiled(bytes.value());
  EXPECT_TRUE(config.ok()) << config.message();
  return std::move(config).value();
}

wire::SummaryT BlogSummary(const Config& config) {
  wire::SummaryT s;
  s.version = kSummaryVersion;
  s.site = "blog";
  s.config_hash = config.hash();
  s.nonce = 0xfedcba9876543210ULL;
  s.seq = 2;
  s.start_minute = 28575980;  // 2024-05-01 10:20 UTC
  const wire::Dimensions dims(wire::DeviceClass::Desktop, wire::BrowserFamily::Chrome,
                              wire::OsFamily::Windows, wire::ScreenBucket::XL,
                              static_cast<uint16_t>('d' << 8 | 'e'),
                              static_cast<uint16_t>('c' << 8 | 'h'));
  // duration, active, page views, rage, dead, quick backs, dims, flags
  // (bounce), entry pages[1], exit pages[0].
  s.facts =
      std::make_unique<wire::SessionFacts>(905, 7, 2, 4, 1, 1, dims, wire::FactFlags::Bounce, 1, 0);
  s.pages = {PageStat(1, 1, 600, 90, 0), PageStat(kLiteralBit, 1, 10, 0, 1)};
  // "read" at 0.3 s, "share" 119.7 s later, and "share" once more
  // (collapsed into repeats).
  s.path_steps = {0, 1};
  AppendVarint(3, s.path_deltas);
  AppendVarint(1197, s.path_deltas);
  s.repeats = {IdCount(1, 1)};
  // Next: micro 1, then pages[0] (template 1, not template 0).
  s.funnels = {FunnelProgress(0, wire::FunnelFlags::NONE, 1, 2, 0x1, 1, kLiteralBit, 0)};
  s.heat = {HeatCell(0, 2, 40)};
  // Key 0x03fa9c, cell 6 (row 1, column 2), 3 clicks.
  s.element_clicks = {wire::ElementClick(0x9c, 0xfa, 0x03, 0, 6 << 4 | 2)};
  // newsletter owns fields[0..1]; contact owns fields[2].
  s.forms = {FormStat(0, wire::FormFlags::Started, 1, 2),
             FormStat(1, wire::FormFlags::Started | wire::FormFlags::Submitted, 0, 1)};
  s.fields = {FieldStat(0, 1, 0, 0, 31), FieldStat(0x81, 2, 1, 0, 5), FieldStat(1, 1, 0, 0, 12)};
  s.elements = {ElementStat(0, 2, 0, 1, 0)};
  s.names = {"a.share", "promo_code"};
  s.literal_pages = {"/about"};
  s.utm_source = "mastodon";
  return s;
}

constexpr char kBlogWithNames[] = R"({
  "version": 1,
  "site": "blog",
  "config_hash": "HASH",
  "nonce": "0xfedcba9876543210",
  "seq": 2,
  "start_minute": 28575980,
  "start_utc": "2024-05-01T10:20Z",
  "duration_s": 90.5,
  "active_s": 0.7,
  "dims": {
    "device": "desktop",
    "browser": "chrome",
    "os": "windows",
    "screen": "xl",
    "language": "de",
    "country": "CH"
  },
  "flags": {"bounce": true, "path_truncated": false, "ended": false},
  "entry_page": "/about",
  "exit_page": "/post/:slug",
  "page_views": 2,
  "rage_clicks": 4,
  "dead_clicks": 1,
  "quick_backs": 1,
  "revenue_cents": 0,
  "orders": 0,
  "other_currency_orders": 0,
  "pages": [
    {"page": "/post/:slug", "views": 1, "active_s": 60.0, "max_scroll": 90, "quick_backs": 0},
    {"page": "/about", "views": 1, "active_s": 1.0, "max_scroll": 0, "quick_backs": 1}
  ],
  "path": [
    {"micro": "read", "at_s": 0.3},
    {"micro": "share", "at_s": 120.0}
  ],
  "repeats": [
    {"micro": "share", "count": 1}
  ],
  "funnels": [
    {
      "funnel": "subscribe",
      "converted": false,
      "excluded": false,
      "furthest": 1,
      "reached": ["Read"],
      "step_times_s": [],
      "next": [
        {"micro": "share"},
        {"page": "/post/:slug"}
      ]
    }
  ],
  "heat": [
    {"page": "/post/:slug", "cell": 40, "count": 2}
  ],
  "element_clicks": [
    {"key": "03fa9c", "page": "/post/:slug", "cell": 6, "count": 3}
  ],
  "elements": [
    {"element": "a.share", "page": "/post/:slug", "clicks": 2, "rage_clicks": 0, "dead_clicks": 1}
  ],
  "forms": [
    {
      "form": "newsletter",
      "started": true,
      "submitted": false,
      "last_field": "promo_code",
      "fields": [
        {"field": "email", "focus_count": 1, "refills": 0, "time_s": 3.1},
        {"field": "promo_code", "focus_count": 2, "refills": 1, "time_s": 0.5}
      ]
    },
    {
      "form": "contact",
      "started": true,
      "submitted": true,
      "last_field": "email",
      "fields": [
        {"field": "email", "focus_count": 1, "refills": 0, "time_s": 1.2}
      ]
    }
  ],
  "names": [
    "a.share",
    "promo_code"
  ],
  "literal_pages": [
    "/about"
  ],
  "referrer": null,
  "utm_source": "mastodon",
  "utm_medium": null,
  "utm_campaign": null
}
)";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string HashText(uint32_t hash) {
  char text[11];
  std::snprintf(text, sizeof(text), "0x%08x", hash);
  return text;
}

class SummaryJsonTest : public ::testing::Test {
 protected:
  // Renders after verifying, as every caller must.
  std::string Render(const wire::SummaryT& summary, const Config* config) {
    bytes_ = EncodeSummary(summary);
    Result<const wire::Summary*> verified = VerifySummary(bytes_);
    EXPECT_TRUE(verified.ok()) << verified.message();
    return verified.ok() ? RenderSummaryJson(*verified.value(), config) : "";
  }

  Config config_ = BlogConfig();
  std::vector<uint8_t> bytes_;
};

TEST_F(SummaryJsonTest, RendersEveryFieldWithConfigNames) {
  const std::string expected = Replace(kBlogWithNames, "HASH", HashText(config_.hash()));
  EXPECT_EQ(Render(BlogSummary(config_), &config_), expected);
}

TEST_F(SummaryJsonTest, RendersIdsAsNumbersWithoutConfig) {
  std::string expected = Replace(kBlogWithNames, "HASH", HashText(config_.hash()));
  for (const auto& [named, numbered] : std::vector<std::pair<std::string, std::string>>{
           {R"("exit_page": "/post/:slug")", R"("exit_page": 1)"},
           {R"("page": "/post/:slug")", R"("page": 1)"},
           {R"("micro": "read")", R"("micro": 0)"},
           {R"("micro": "share")", R"("micro": 1)"},
           {R"("funnel": "subscribe")", R"("funnel": 0)"},
           {R"(["Read"])", "[0]"},
           {R"("form": "newsletter")", R"("form": 0)"},
           {R"("form": "contact")", R"("form": 1)"},
           {R"("field": "email", "focus_count": 1, "refills": 0, "time_s": 3.1)",
            R"("field": 0, "focus_count": 1, "refills": 0, "time_s": 3.1)"},
           {R"("field": "email", "focus_count": 1, "refills": 0, "time_s": 1.2)",
            R"("field": 1, "focus_count": 1, "refills": 0, "time_s": 1.2)"},
           {R"("last_field": "email")", R"("last_field": 1)"},
       }) {
    expected = Replace(expected, named, numbered);
  }
  // Names and literal pages come from the summary itself, not the config.
  EXPECT_NE(expected.find(R"("last_field": "promo_code")"), std::string::npos);
  EXPECT_NE(expected.find(R"("entry_page": "/about")"), std::string::npos);
  const wire::SummaryT summary = BlogSummary(config_);
  EXPECT_EQ(Render(summary, nullptr), expected);
  // A default-constructed Config knows no names either.
  const Config empty;
  EXPECT_EQ(Render(summary, &empty), expected);
}

TEST_F(SummaryJsonTest, RendersAnEmptySummary) {
  wire::SummaryT s;
  s.version = kSummaryVersion;
  const std::string json = Render(s, &config_);
  EXPECT_EQ(json, R"({
  "version": 1,
  "site": "",
  "config_hash": "0x00000000",
  "nonce": "0x0000000000000000",
  "seq": 0,
  "start_minute": 0,
  "start_utc": "1970-01-01T00:00Z",
  "duration_s": 0.0,
  "active_s": 0.0,
  "dims": {
    "device": "unknown",
    "browser": "unknown",
    "os": "unknown",
    "screen": "unknown",
    "language": "",
    "country": ""
  },
  "flags": {"bounce": false, "path_truncated": false, "ended": false},
  "entry_page": null,
  "exit_page": null,
  "page_views": 0,
  "rage_clicks": 0,
  "dead_clicks": 0,
  "quick_backs": 0,
  "revenue_cents": 0,
  "orders": 0,
  "other_currency_orders": 0,
  "pages": [],
  "path": [],
  "repeats": [],
  "funnels": [],
  "heat": [],
  "element_clicks": [],
  "elements": [],
  "forms": [],
  "names": [],
  "literal_pages": [],
  "referrer": null,
  "utm_source": null,
  "utm_medium": null,
  "utm_campaign": null
}
)");
}

TEST_F(SummaryJsonTest, SplitsStepTimesPerFunnel) {
  wire::SummaryT s = BlogSummary(config_);
  // Funnel 0 reached steps 0 and 1 (one time), an unstarted one (none), then
  // funnel 0 again with three steps set in its bits (two times).
  s.funnels = {FunnelProgress(0, wire::FunnelFlags::Converted, 2, 0, 0x3, 0, 0, 0),
               FunnelProgress(), FunnelProgress(0, wire::FunnelFlags::NONE, 1, 0, 0x15, 0, 0, 0)};
  s.step_times.clear();
  for (uint32_t ds : {15u, 0u, 4294967295u}) AppendVarint(ds, s.step_times);
  const std::string json = Render(s, nullptr);
  EXPECT_NE(json.find(R"("reached": [0, 1],
      "step_times_s": [1.5],)"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("reached": [],
      "step_times_s": [],)"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("reached": [0, 2, 4],
      "step_times_s": [0.0, 429496729.5],)"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("converted": true)"), std::string::npos);
}

TEST_F(SummaryJsonTest, PathTimesAccumulateDeltasWithoutOverflow) {
  wire::SummaryT s = BlogSummary(config_);
  // Deltas are per step; at_s is the running sum, past 32 bits of ds.
  s.path_steps = {1, 0, 1};
  s.path_deltas.clear();
  for (uint32_t ds : {0u, 4294967295u, 4294967295u}) AppendVarint(ds, s.path_deltas);
  const std::string json = Render(s, &config_);
  EXPECT_NE(json.find(R"("path": [
    {"micro": "share", "at_s": 0.0},
    {"micro": "read", "at_s": 429496729.5},
    {"micro": "share", "at_s": 858993459.0}
  ],)"),
            std::string::npos)
      << json;
}

TEST_F(SummaryJsonTest, EscapesAttackerControlledStrings) {
  wire::SummaryT s = BlogSummary(config_);
  s.names = {
      std::string("q\"b\\s/") + "\n\r\t\b\f" + std::string(1, '\0') + "\x01\x1f\x7f",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",  // valid: e-acute, euro, emoji
      "a\xff"
      "b\xc3"
      "c\xe2\x82"
      "d\xc0\xaf"
      "e\xed\xa0\x80"
      "f\xf4\x90\x80\x80"
      "g\x80",
      "line\xe2\x80\xa8sep\xe2\x80\xa9",
      "\xf0\x9f\x98",  // cut-off emoji at the end
  };
  s.referrer = "</script><b>";
  const std::string json = Render(s, nullptr);
  EXPECT_NE(json.find(R"("q\"b\\s/\n\r\t\b\f\u0000\u0001\u001f\u007f")"), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""), std::string::npos);
  // One U+FFFD per maximal invalid subsequence (Unicode 15, section 3.9).
  EXPECT_NE(json.find(R"("a\ufffdb\ufffdc\ufffdd\ufffd\ufffde\ufffd\ufffd\ufffdf)"
                      R"(\ufffd\ufffd\ufffd\ufffdg\ufffd")"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("line\u2028sep\u2029")"), std::string::npos);
  EXPECT_NE(json.find(R"("\ufffd")"), std::string::npos);
  // Quotes and angle brackets cannot break out of the JSON string.
  EXPECT_NE(json.find(R"("referrer": "</script><b>")"), std::string::npos);
  // Every byte of the output outside valid UTF-8 strings is printable ASCII.
  for (unsigned char c : json) EXPECT_TRUE(c >= 0x20 || c == '\n') << static_cast<int>(c);
}

TEST_F(SummaryJsonTest, IsDeterministic) {
  const wire::SummaryT summary = BlogSummary(config_);
  const std::string first = Render(summary, &config_);
  EXPECT_EQ(Render(summary, &config_), first);
  EXPECT_EQ(first.back(), '\n');
}

TEST_F(SummaryJsonTest, FallsBackToNumbersForIdsTheConfigLacks) {
  // Verified without the config, rendered with it: unknown ids stay numbers.
  wire::SummaryT s = BlogSummary(config_);
  s.repeats = {IdCount(200, 1)};
  s.path_steps = {9, 0};
  s.funnels = {FunnelProgress(5, wire::FunnelFlags::NONE, 0, 1, 0, kLiteralBit, 0, 0)};
  s.pages[0] = PageStat(33, 1, 0, 0, 0);
  s.forms[0] = FormStat(4, wire::FormFlags::Started, 1, 2);
  s.fields[2] = FieldStat(2, 1, 0, 0, 0);  // contact has fields 0 and 1 only
  const std::string json = Render(s, &config_);
  EXPECT_NE(json.find(R"({"micro": 200, "count": 1})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"({"micro": 9, "at_s": 0.3},)"), std::string::npos);
  EXPECT_NE(json.find(R"({"micro": "read", "at_s": 120.0})"), std::string::npos);
  EXPECT_NE(json.find(R"("funnel": 5)"), std::string::npos);
  // The next page is pages[0], whose template the config lacks.
  EXPECT_NE(json.find(R"({"page": 33})"), std::string::npos);
  EXPECT_NE(json.find(R"({"page": 33, "views": 1)"), std::string::npos);
  EXPECT_NE(json.find(R"("form": 4)"), std::string::npos);
  EXPECT_NE(json.find(R"({"field": 0, "focus_count": 1)"), std::string::npos);
  EXPECT_NE(json.find(R"("last_field": "promo_code")"), std::string::npos);
  EXPECT_NE(json.find(R"({"field": 2, "focus_count": 1)"), std::string::npos);
}

}  // namespace
}  // namespace microconv
