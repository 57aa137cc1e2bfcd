// The summary wire codec: encode, verify (the safety boundary for untrusted
// bytes) and the varints inside it.
#include "core/summary.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"

namespace microconv {
namespace {

using wire::ElementStat;
using wire::FieldStat;
using wire::FunnelProgress;
using wire::HeatCell;
using wire::IdCount;
using wire::PageStat;

// Three page templates, four micros, one three-step funnel, one form with two
// fields, two click selectors.
Config ShopConfig(const std::string& site = "shop") {
  wire::SiteConfigT def;
  def.site = site;
  def.page_templates = {"/", "/product/:id", "/cart"};
  def.click_selectors = {"#add", "#buy"};
  auto micro = [&def](const char* id, wire::MicroKind kind) {
    auto m = std::make_unique<wire::MicroConversionDefT>();
    m->id = id;
    m->label = id;
    m->kind = kind;
    def.micros.push_back(std::move(m));
    return def.micros.back().get();
  };
  micro("product_view", wire::MicroKind::PageView)->page = "/product/:id";
  micro("add_to_cart", wire::MicroKind::Click)->target = 0;
  micro("signup", wire::MicroKind::FormSubmit)->target = 0;
  micro("purchase", wire::MicroKind::DataLayer)->event = "purchase";
  auto form = std::make_unique<wire::FormDefT>();
  form->id = "signup";
  form->selector = "#signup";
  form->fields = {"email", "name"};
  def.forms.push_back(std::move(form));
  auto funnel = std::make_unique<wire::FunnelDefT>();
  funnel->id = "purchase";
  funnel->label = "Purchase";
  for (uint8_t micro_id : {0, 1, 3}) {
    auto step = std::make_unique<wire::FunnelStepDefT>();
    step->label = "step" + std::to_string(micro_id);
    step->micros = {micro_id};
    funnel->steps.push_back(std::move(step));
  }
  def.funnels.push_back(std::move(funnel));
  Result<std::vector<uint8_t>> bytes = CompileConfig(def);
  EXPECT_TRUE(bytes.ok()) << bytes.message();
  Result<Config> config = Config::FromCompiled(bytes.value());
  EXPECT_TRUE(config.ok()) << config.message();
  return std::move(config).value();
}

std::unique_ptr<wire::Dimensions> Dims(uint8_t device, uint8_t browser, uint8_t os, uint8_t screen,
                                       uint16_t language, uint16_t country) {
  return std::make_unique<wire::Dimensions>(
      static_cast<wire::DeviceClass>(device), static_cast<wire::BrowserFamily>(browser),
      static_cast<wire::OsFamily>(os), static_cast<wire::ScreenBucket>(screen), language, country);
}

constexpr uint16_t kDe = 'd' << 8 | 'e';
constexpr uint16_t kCh = 'c' << 8 | 'h';

std::vector<uint8_t> Varints(std::initializer_list<uint32_t> values) {
  std::vector<uint8_t> out;
  for (uint32_t v : values) AppendVarint(v, out);
  return out;
}

// Every field set to a non-default value that is valid against ShopConfig.
wire::SummaryT FullSummary(const Config& config) {
  wire::SummaryT s;
  s.version = kSummaryVersion;
  s.site = std::string(config.site());
  s.config_hash = config.hash();
  s.nonce = 0x0123456789abcdefULL;
  s.seq = 7;
  s.start_minute = 28575980;
  s.duration_ds = 12345;
  s.active_ds = 2345;
  s.dims = Dims(2, 3, 5, 2, kDe, kCh);  // mobile, safari, ios, s
  s.flags = 0x6;
  s.entry_page = 0;
  s.exit_page = 2;
  s.page_views = 5;
  s.pages = {PageStat(0, 2, 300, 80, 1), PageStat(1, 2, 600, 100, 0),
             PageStat(0x8000, 1, 50, 10, 0)};
  s.micro_counts = {IdCount(0, 2), IdCount(1, 1), IdCount(3, 1)};
  s.path_steps = {0, 1, 3};
  s.path_offsets = Varints({12, 340, 100000});
  s.funnels = {FunnelProgress(0, 1, 3, 2, 0x7, 0x8002, 2, 0, 0)};
  s.step_times = Varints({328, 99988});
  s.heat = {HeatCell(0, 3, 17), HeatCell(2, 1, 511)};
  auto form = std::make_unique<wire::FormStatT>();
  form->form = 0;
  form->flags = 1;
  form->last_field = 1;
  form->fields = {FieldStat(0, 2, 1, 45), FieldStat(0x8001, 1, 0, 7)};
  s.forms.push_back(std::move(form));
  s.selector_clicks = {IdCount(0, 2), IdCount(1, 4)};
  s.elements = {ElementStat(0, 4, 3, 1, 1), ElementStat(1, 1, 0, 1, 2)};
  s.element_names = {"main>div#hero>button", "input#coupon"};
  s.literal_pages = {"/about/team"};
  s.rage_clicks = 3;
  s.dead_clicks = 2;
  s.quick_backs = 1;
  s.referrer = "news.example.org";
  s.utm_source = "newsletter";
  s.utm_medium = "email";
  s.utm_campaign = "spring";
  return s;
}

// Struct vectors compare by their bytes: FlatBuffers structs are plain
// little-endian records without padding surprises.
template <typename T>
bool SameStructs(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

void ExpectSameSummary(const wire::SummaryT& a, const wire::SummaryT& b) {
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.site, b.site);
  EXPECT_EQ(a.config_hash, b.config_hash);
  EXPECT_EQ(a.nonce, b.nonce);
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.start_minute, b.start_minute);
  EXPECT_EQ(a.duration_ds, b.duration_ds);
  EXPECT_EQ(a.active_ds, b.active_ds);
  ASSERT_EQ(a.dims == nullptr, b.dims == nullptr);
  if (a.dims != nullptr) {
    EXPECT_EQ(std::memcmp(a.dims.get(), b.dims.get(), sizeof(*a.dims)), 0);
  }
  EXPECT_EQ(a.flags, b.flags);
  EXPECT_EQ(a.entry_page, b.entry_page);
  EXPECT_EQ(a.exit_page, b.exit_page);
  EXPECT_EQ(a.page_views, b.page_views);
  EXPECT_TRUE(SameStructs(a.pages, b.pages));
  EXPECT_TRUE(SameStructs(a.micro_counts, b.micro_counts));
  EXPECT_EQ(a.path_steps, b.path_steps);
  EXPECT_EQ(a.path_offsets, b.path_offsets);
  EXPECT_TRUE(SameStructs(a.funnels, b.funnels));
  EXPECT_EQ(a.step_times, b.step_times);
  EXPECT_TRUE(SameStructs(a.heat, b.heat));
  ASSERT_EQ(a.forms.size(), b.forms.size());
  for (size_t i = 0; i < a.forms.size(); ++i) {
    EXPECT_EQ(a.forms[i]->form, b.forms[i]->form);
    EXPECT_EQ(a.forms[i]->flags, b.forms[i]->flags);
    EXPECT_EQ(a.forms[i]->last_field, b.forms[i]->last_field);
    EXPECT_TRUE(SameStructs(a.forms[i]->fields, b.forms[i]->fields));
  }
  EXPECT_TRUE(SameStructs(a.selector_clicks, b.selector_clicks));
  EXPECT_TRUE(SameStructs(a.elements, b.elements));
  EXPECT_EQ(a.element_names, b.element_names);
  EXPECT_EQ(a.literal_pages, b.literal_pages);
  EXPECT_EQ(a.rage_clicks, b.rage_clicks);
  EXPECT_EQ(a.dead_clicks, b.dead_clicks);
  EXPECT_EQ(a.quick_backs, b.quick_backs);
  EXPECT_EQ(a.referrer, b.referrer);
  EXPECT_EQ(a.utm_source, b.utm_source);
  EXPECT_EQ(a.utm_medium, b.utm_medium);
  EXPECT_EQ(a.utm_campaign, b.utm_campaign);
}

template <typename T>
size_t SizeOf(const flatbuffers::Vector<T>* v) {
  return v == nullptr ? 0 : v->size();
}

// An independent restatement of the index invariants a verified summary
// guarantees; used on whatever the verifier accepts after corruption.
void ExpectIndicesInRange(const wire::Summary& s) {
  const size_t pages = SizeOf(s.pages());
  const size_t names = SizeOf(s.element_names());
  const size_t literals = SizeOf(s.literal_pages());
  EXPECT_GE(s.version(), 1);
  EXPECT_LE(s.version(), kSummaryVersion);
  EXPECT_LE(pages, kMaxPages);
  EXPECT_LE(SizeOf(s.path_steps()), kMaxPathSteps);
  EXPECT_LE(SizeOf(s.heat()), kMaxHeatCells);
  EXPECT_LE(SizeOf(s.elements()), kMaxElements);
  if (pages > 0) {
    EXPECT_LT(s.entry_page(), pages);
    EXPECT_LT(s.exit_page(), pages);
  }
  for (size_t i = 0; i < pages; ++i) {
    const uint16_t page = s.pages()->Get(i)->page();
    if (page & 0x8000) {
      EXPECT_LT(page & 0x7fffu, literals);
    }
    EXPECT_LE(s.pages()->Get(i)->max_scroll(), 100);
  }
  for (size_t i = 0; i < SizeOf(s.heat()); ++i) EXPECT_LT(s.heat()->Get(i)->page(), pages);
  for (size_t i = 0; i < SizeOf(s.elements()); ++i) {
    EXPECT_LT(s.elements()->Get(i)->page(), pages);
    EXPECT_LT(s.elements()->Get(i)->element(), names);
  }
  for (size_t i = 0; i < names; ++i) {
    EXPECT_LE(s.element_names()->Get(i)->size(), kMaxElementNameLength);
  }
  size_t expected_times = 0;
  for (size_t i = 0; i < SizeOf(s.funnels()); ++i) {
    const FunnelProgress* f = s.funnels()->Get(i);
    EXPECT_LE(f->next_count(), 3);
    EXPECT_LE(f->furthest(), 32);
    if (f->reached() != 0) expected_times += std::popcount(f->reached()) - 1;
  }
  for (size_t i = 0; i < SizeOf(s.forms()); ++i) {
    const wire::FormStat* form = s.forms()->Get(i);
    if (form->last_field() != 0xff) {
      EXPECT_LT(form->last_field(), SizeOf(form->fields()));
    }
    for (size_t f = 0; f < SizeOf(form->fields()); ++f) {
      const uint16_t field = form->fields()->Get(f)->field();
      if (field & 0x8000) {
        EXPECT_LT(field & 0x7fffu, names);
      }
    }
  }
  std::vector<uint32_t> values;
  if (s.path_offsets() != nullptr) {
    ASSERT_TRUE(DecodeVarints({s.path_offsets()->data(), s.path_offsets()->size()}, values));
  } else {
    values.clear();
  }
  EXPECT_EQ(values.size(), SizeOf(s.path_steps()));
  values.clear();
  if (s.step_times() != nullptr) {
    ASSERT_TRUE(DecodeVarints({s.step_times()->data(), s.step_times()->size()}, values));
  }
  EXPECT_EQ(values.size(), expected_times);
}

void ExpectIdsInConfig(const wire::Summary& s, const Config& config) {
  EXPECT_EQ(s.config_hash(), config.hash());
  for (size_t i = 0; i < SizeOf(s.micro_counts()); ++i) {
    EXPECT_LT(s.micro_counts()->Get(i)->id(), config.micro_count());
  }
  for (size_t i = 0; i < SizeOf(s.path_steps()); ++i) {
    EXPECT_LT(s.path_steps()->Get(i), config.micro_count());
  }
  for (size_t i = 0; i < SizeOf(s.funnels()); ++i) {
    EXPECT_LT(s.funnels()->Get(i)->funnel(), config.funnel_count());
    EXPECT_LT(s.funnels()->Get(i)->reached(), 1u << 3);  // ShopConfig's funnel has 3 steps
  }
  for (size_t i = 0; i < SizeOf(s.pages()); ++i) {
    const uint16_t page = s.pages()->Get(i)->page();
    if (!(page & 0x8000)) {
      EXPECT_LT(page, config.template_count());
    }
  }
  for (size_t i = 0; i < SizeOf(s.selector_clicks()); ++i) {
    EXPECT_LT(s.selector_clicks()->Get(i)->id(), 2);
  }
  for (size_t i = 0; i < SizeOf(s.forms()); ++i) {
    EXPECT_EQ(s.forms()->Get(i)->form(), 0);
  }
}

class SummaryTest : public ::testing::Test {
 protected:
  Config config_ = ShopConfig();
};

TEST_F(SummaryTest, RoundTripKeepsEveryField) {
  const wire::SummaryT original = FullSummary(config_);
  const std::vector<uint8_t> bytes = EncodeSummary(original);
  for (const Config* config : std::initializer_list<const Config*>{nullptr, &config_}) {
    Result<const wire::Summary*> verified = VerifySummary(bytes, config);
    ASSERT_TRUE(verified.ok()) << verified.message();
    std::unique_ptr<wire::SummaryT> decoded(verified.value()->UnPack());
    ExpectSameSummary(original, *decoded);
  }
}

TEST_F(SummaryTest, RoundTripOfEmptySummary) {
  wire::SummaryT empty;
  empty.version = kSummaryVersion;
  const std::vector<uint8_t> bytes = EncodeSummary(empty);
  Result<const wire::Summary*> verified = VerifySummary(bytes);
  ASSERT_TRUE(verified.ok()) << verified.message();
  std::unique_ptr<wire::SummaryT> decoded(verified.value()->UnPack());
  ExpectSameSummary(empty, *decoded);
}

TEST_F(SummaryTest, EncodingIsDeterministic) {
  const std::vector<uint8_t> first = EncodeSummary(FullSummary(config_));
  const std::vector<uint8_t> second = EncodeSummary(FullSummary(config_));
  EXPECT_EQ(first, second);
  // Decoding and re-encoding gives the very same bytes too.
  Result<const wire::Summary*> verified = VerifySummary(first);
  ASSERT_TRUE(verified.ok()) << verified.message();
  std::unique_ptr<wire::SummaryT> decoded(verified.value()->UnPack());
  EXPECT_EQ(EncodeSummary(*decoded), first);
  EXPECT_TRUE(wire::SummaryBufferHasIdentifier(first.data()));
}

TEST(VarintTest, RoundTripsBoundaries) {
  const std::vector<std::pair<uint32_t, size_t>> cases = {
      {0, 1},
      {1, 1},
      {127, 1},
      {128, 2},
      {16383, 2},
      {16384, 3},
      {2097151, 3},
      {2097152, 4},
      {268435455, 4},
      {268435456, 5},
      {std::numeric_limits<uint32_t>::max(), 5}};
  std::vector<uint8_t> all;
  std::vector<uint32_t> expected;
  for (const auto& [value, length] : cases) {
    std::vector<uint8_t> one;
    AppendVarint(value, one);
    EXPECT_EQ(one.size(), length) << value;
    AppendVarint(value, all);
    expected.push_back(value);
  }
  std::vector<uint32_t> decoded = {99};  // replaced, not appended to
  ASSERT_TRUE(DecodeVarints(all, decoded));
  EXPECT_EQ(decoded, expected);
}

TEST(VarintTest, RejectsMalformed) {
  std::vector<uint32_t> out;
  EXPECT_TRUE(DecodeVarints({}, out));
  EXPECT_TRUE(out.empty());
  const std::vector<std::vector<uint8_t>> bad = {
      {0x80},                                // cut off
      {0x05, 0xff},                          // cut off after a good one
      {0x80, 0x80, 0x80, 0x80, 0x80, 0x01},  // six bytes
      {0xff, 0xff, 0xff, 0xff, 0x10},        // 33 bits
      {0xff, 0xff, 0xff, 0xff, 0x8f, 0x00},  // continuation on the fifth byte
  };
  for (const auto& bytes : bad) EXPECT_FALSE(DecodeVarints(bytes, out)) << bytes.size();
  const std::vector<uint8_t> max = {0xff, 0xff, 0xff, 0xff, 0x0f};
  ASSERT_TRUE(DecodeVarints(max, out));
  EXPECT_EQ(out, std::vector<uint32_t>{0xffffffffu});
}

TEST_F(SummaryTest, RejectsShortAndForeignBuffers) {
  const std::vector<uint8_t> empty;
  EXPECT_EQ(VerifySummary(empty).error(), Error::kTruncated);
  const std::vector<uint8_t> three = {1, 2, 3};
  EXPECT_EQ(VerifySummary(three).error(), Error::kTruncated);

  std::vector<uint8_t> bytes = EncodeSummary(FullSummary(config_));
  bytes[4] = 'X';  // "XCS1"
  EXPECT_EQ(VerifySummary(bytes).error(), Error::kWrongIdentifier);

  // A valid config buffer is not a summary.
  EXPECT_EQ(VerifySummary(config_.bytes()).error(), Error::kWrongIdentifier);

  const std::vector<uint8_t> oversize(kMaxSummaryBytes + 1, 0);
  EXPECT_EQ(VerifySummary(oversize).error(), Error::kTooLarge);
}

TEST_F(SummaryTest, RejectsAnEncodedSummaryOverTheSizeCap) {
  wire::SummaryT s = FullSummary(config_);
  // Many short names: each passes its own cap, together they do not.
  s.element_names.assign(400, std::string(kMaxElementNameLength, 'e'));
  const std::vector<uint8_t> bytes = EncodeSummary(s);
  ASSERT_GT(bytes.size(), kMaxSummaryBytes);
  Result<const wire::Summary*> verified = VerifySummary(bytes);
  EXPECT_EQ(verified.error(), Error::kTooLarge);
  EXPECT_NE(verified.message().find("16384"), std::string::npos) << verified.message();
}

TEST_F(SummaryTest, RejectsEveryTruncation) {
  const std::vector<uint8_t> bytes = EncodeSummary(FullSummary(config_));
  for (size_t length = 0; length < bytes.size(); ++length) {
    // A fresh allocation of exactly `length` bytes so ASan sees over-reads.
    const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + length);
    Result<const wire::Summary*> verified = VerifySummary(prefix, &config_);
    EXPECT_FALSE(verified.ok()) << "accepted a prefix of " << length << " bytes";
  }
}

TEST_F(SummaryTest, SingleBitFlipsNeverBreakTheInvariants) {
  const std::vector<uint8_t> bytes = EncodeSummary(FullSummary(config_));
  size_t accepted = 0;
  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    std::vector<uint8_t> flipped = bytes;
    flipped[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    Result<const wire::Summary*> plain = VerifySummary(flipped);
    if (plain.ok()) {
      ++accepted;
      ExpectIndicesInRange(*plain.value());
      EXPECT_FALSE(RenderSummaryJson(*plain.value()).empty());
    }
    Result<const wire::Summary*> checked = VerifySummary(flipped, &config_);
    if (checked.ok()) {
      ExpectIndicesInRange(*checked.value());
      ExpectIdsInConfig(*checked.value(), config_);
      EXPECT_FALSE(RenderSummaryJson(*checked.value(), &config_).empty());
    }
  }
  // Counts and times carry no invariant, so some flips must pass: a verifier
  // that rejects everything would make this test vacuous.
  EXPECT_GT(accepted, 0u);
}

struct RejectionCase {
  const char* name;
  std::function<void(wire::SummaryT&)> mutate;
  Error error;
  const char* message;  // expected start of the message
};

TEST_F(SummaryTest, RejectsBrokenRules) {
  const std::vector<RejectionCase> cases = {
      {"future version", [](wire::SummaryT& s) { s.version = kSummaryVersion + 1; },
       Error::kUnsupportedVersion, "version: 2 > 1"},
      {"missing version", [](wire::SummaryT& s) { s.version = 0; }, Error::kVerifyFailed,
       "version"},
      {"device enum", [](wire::SummaryT& s) { s.dims = Dims(9, 0, 0, 0, 0, 0); },
       Error::kOutOfRange, "dims.device: 9"},
      {"browser enum", [](wire::SummaryT& s) { s.dims = Dims(0, 8, 0, 0, 0, 0); },
       Error::kOutOfRange, "dims.browser: 8"},
      {"os enum", [](wire::SummaryT& s) { s.dims = Dims(0, 0, 255, 0, 0, 0); }, Error::kOutOfRange,
       "dims.os: 255"},
      {"screen enum", [](wire::SummaryT& s) { s.dims = Dims(0, 0, 0, 7, 0, 0); },
       Error::kOutOfRange, "dims.screen: 7"},
      {"language not letters", [](wire::SummaryT& s) { s.dims = Dims(0, 0, 0, 0, 0x4142, 0); },
       Error::kOutOfRange, "dims.language"},
      {"country half set", [](wire::SummaryT& s) { s.dims = Dims(0, 0, 0, 0, kDe, 'c' << 8); },
       Error::kOutOfRange, "dims.country"},
      {"too many pages",
       [](wire::SummaryT& s) { s.pages.assign(kMaxPages + 1, PageStat(0, 1, 0, 0, 0)); },
       Error::kTooLarge, "pages: 65 > 64"},
      {"path over cap",
       [](wire::SummaryT& s) {
         s.path_steps.assign(kMaxPathSteps + 1, 0);
         s.path_offsets.assign(kMaxPathSteps + 1, 1);
       },
       Error::kTooLarge, "path_steps: 65 > 64"},
      {"too many heat cells",
       [](wire::SummaryT& s) { s.heat.assign(kMaxHeatCells + 1, HeatCell(0, 1, 0)); },
       Error::kTooLarge, "heat: 129 > 128"},
      {"too many elements",
       [](wire::SummaryT& s) { s.elements.assign(kMaxElements + 1, ElementStat(0, 1, 0, 0, 0)); },
       Error::kTooLarge, "elements: 33 > 32"},
      {"too many funnels", [](wire::SummaryT& s) { s.funnels.assign(17, FunnelProgress()); },
       Error::kTooLarge, "funnels: 17 > 16"},
      {"too many forms",
       [](wire::SummaryT& s) {
         for (int i = 0; i < 64; ++i) s.forms.push_back(std::make_unique<wire::FormStatT>());
       },
       Error::kTooLarge, "forms: 65 > 64"},
      {"too many fields",
       [](wire::SummaryT& s) { s.forms[0]->fields.assign(65, FieldStat(0, 1, 0, 0)); },
       Error::kTooLarge, "forms[0].fields: 65 > 64"},
      {"long element name",
       [](wire::SummaryT& s) { s.element_names[1] = std::string(kMaxElementNameLength + 1, 'x'); },
       Error::kTooLarge, "element_names[1]: 97 > 96"},
      {"long literal page",
       [](wire::SummaryT& s) { s.literal_pages[0] = "/" + std::string(128, 'p'); },
       Error::kTooLarge, "literal_pages[0]: 129 > 128"},
      {"entry page", [](wire::SummaryT& s) { s.entry_page = 3; }, Error::kOutOfRange,
       "entry_page: 3 >= 3 pages"},
      {"exit page", [](wire::SummaryT& s) { s.exit_page = 200; }, Error::kOutOfRange,
       "exit_page: 200 >= 3 pages"},
      {"entry page without pages",
       [](wire::SummaryT& s) {
         s.pages.clear();
         s.heat.clear();
         s.elements.clear();
         s.entry_page = 0;
         s.exit_page = 1;
       },
       Error::kOutOfRange, "exit_page: 1 >= 0 pages"},
      {"scroll over 100", [](wire::SummaryT& s) { s.pages[1] = PageStat(1, 1, 0, 140, 0); },
       Error::kOutOfRange, "pages[1].max_scroll: 140 > 100"},
      {"literal page id", [](wire::SummaryT& s) { s.pages[2] = PageStat(0x8001, 1, 0, 0, 0); },
       Error::kOutOfRange, "pages[2].page: 1 >= 1 literal_pages"},
      {"heat page", [](wire::SummaryT& s) { s.heat[1] = HeatCell(3, 1, 0); }, Error::kOutOfRange,
       "heat[1].page: 3 >= 3 pages"},
      {"heat cell", [](wire::SummaryT& s) { s.heat[0] = HeatCell(0, 1, 512); }, Error::kOutOfRange,
       "heat[0].cell: 512"},
      {"element page", [](wire::SummaryT& s) { s.elements[0] = ElementStat(0, 1, 0, 0, 3); },
       Error::kOutOfRange, "elements[0].page: 3 >= 3 pages"},
      {"element name index", [](wire::SummaryT& s) { s.elements[1] = ElementStat(2, 1, 0, 0, 0); },
       Error::kOutOfRange, "elements[1].element: 2 >= 2 element_names"},
      {"next_count",
       [](wire::SummaryT& s) { s.funnels[0] = FunnelProgress(0, 0, 3, 4, 7, 0, 0, 0, 0); },
       Error::kOutOfRange, "funnels[0].next_count: 4 > 3"},
      {"furthest",
       [](wire::SummaryT& s) { s.funnels[0] = FunnelProgress(0, 0, 33, 0, 7, 0, 0, 0, 0); },
       Error::kOutOfRange, "funnels[0].furthest: 33 > 32"},
      {"next action not an id",
       [](wire::SummaryT& s) { s.funnels[0] = FunnelProgress(0, 0, 3, 1, 7, 0x100, 0, 0, 0); },
       Error::kOutOfRange, "funnels[0].next0: 256"},
      {"last field", [](wire::SummaryT& s) { s.forms[0]->last_field = 2; }, Error::kOutOfRange,
       "forms[0].last_field: 2 >= 2 fields"},
      {"field name index",
       [](wire::SummaryT& s) { s.forms[0]->fields[1] = FieldStat(0x8002, 1, 0, 0); },
       Error::kOutOfRange, "forms[0].fields[1].field: 2 >= 2 element_names"},
      {"malformed path offsets",
       [](wire::SummaryT& s) {
         s.path_offsets = {0x01, 0x02, 0x83};
       },
       Error::kVerifyFailed, "path_offsets: malformed varint"},
      {"overflowing path offset",
       [](wire::SummaryT& s) { s.path_offsets = {1, 2, 0xff, 0xff, 0xff, 0xff, 0x7f}; },
       Error::kVerifyFailed, "path_offsets: malformed varint"},
      {"too few path offsets",
       [](wire::SummaryT& s) {
         s.path_offsets = Varints({1, 2});
       },
       Error::kTruncated, "path_offsets: 2 varints, expected 3"},
      {"too many path offsets",
       [](wire::SummaryT& s) {
         s.path_offsets = Varints({1, 2, 3, 4});
       },
       Error::kVerifyFailed, "path_offsets: 4 varints, expected 3"},
      {"offsets without steps", [](wire::SummaryT& s) { s.path_steps.clear(); },
       Error::kVerifyFailed, "path_offsets: 3 varints, expected 0"},
      {"too few step times", [](wire::SummaryT& s) { s.step_times = Varints({5}); },
       Error::kTruncated, "step_times: 1 varints, expected 2"},
      {"step times for an unstarted funnel",
       [](wire::SummaryT& s) {
         s.funnels.push_back(FunnelProgress());
         s.step_times.push_back(1);
       },
       Error::kVerifyFailed, "step_times: 3 varints, expected 2"},
  };
  for (const RejectionCase& c : cases) {
    wire::SummaryT s = FullSummary(config_);
    c.mutate(s);
    const std::vector<uint8_t> bytes = EncodeSummary(s);
    Result<const wire::Summary*> verified = VerifySummary(bytes);
    EXPECT_EQ(verified.error(), c.error) << c.name << ": " << verified.message();
    EXPECT_EQ(verified.message().rfind(c.message, 0), 0u)
        << c.name << ": got \"" << verified.message() << "\"";
  }
}

TEST_F(SummaryTest, AcceptsEdgeValues) {
  wire::SummaryT s = FullSummary(config_);
  s.pages[0] = PageStat(0, 0xffff, 0xffff, 100, 0xff);
  s.element_names[0] = std::string(kMaxElementNameLength, 'n');
  s.literal_pages[0] = std::string(128, '/');
  s.path_steps.assign(kMaxPathSteps, 1);
  s.path_offsets.clear();
  for (size_t i = 0; i < kMaxPathSteps; ++i) AppendVarint(0xffffffffu, s.path_offsets);
  s.forms[0]->last_field = 0xff;  // none
  // A funnel reaching only its first step has no step times.
  s.funnels.push_back(FunnelProgress(0, 0, 1, 3, 1, 0x8000, 0, 3, 0));
  const std::vector<uint8_t> bytes = EncodeSummary(s);
  Result<const wire::Summary*> verified = VerifySummary(bytes, &config_);
  EXPECT_TRUE(verified.ok()) << verified.message();
}

TEST_F(SummaryTest, RejectsIdsTheConfigDoesNotHave) {
  const std::vector<RejectionCase> cases = {
      {"micro count id", [](wire::SummaryT& s) { s.micro_counts[1] = IdCount(4, 1); },
       Error::kOutOfRange, "micro_counts[1].id: 4 >= 4 micros"},
      {"path step", [](wire::SummaryT& s) { s.path_steps[2] = 9; }, Error::kOutOfRange,
       "path_steps[2]: 9 >= 4 micros"},
      {"funnel id",
       [](wire::SummaryT& s) { s.funnels[0] = FunnelProgress(1, 0, 3, 0, 7, 0, 0, 0, 0); },
       Error::kOutOfRange, "funnels[0].funnel: 1 >= 1 funnels"},
      {"reached bit beyond steps",
       [](wire::SummaryT& s) { s.funnels[0] = FunnelProgress(0, 0, 2, 0, 0xb, 0, 0, 0, 0); },
       Error::kOutOfRange, "funnels[0].reached: 0x0000000b has bits >= 3 steps"},
      {"furthest beyond steps",
       [](wire::SummaryT& s) { s.funnels[0] = FunnelProgress(0, 0, 4, 0, 0x7, 0, 0, 0, 0); },
       Error::kOutOfRange, "funnels[0].furthest: 4 > 3 steps"},
      {"next micro",
       [](wire::SummaryT& s) { s.funnels[0] = FunnelProgress(0, 0, 3, 2, 0x7, 1, 4, 0, 0); },
       Error::kOutOfRange, "funnels[0].next1: 4 >= 4 micros"},
      {"template page", [](wire::SummaryT& s) { s.pages[1] = PageStat(3, 1, 0, 0, 0); },
       Error::kOutOfRange, "pages[1].page: 3 >= 3 page templates"},
      {"selector", [](wire::SummaryT& s) { s.selector_clicks[0] = IdCount(2, 1); },
       Error::kOutOfRange, "selector_clicks[0].id: 2 >= 2 click selectors"},
      {"form", [](wire::SummaryT& s) { s.forms[0]->form = 1; }, Error::kOutOfRange,
       "forms[0].form: 1 >= 1 forms"},
      {"configured field", [](wire::SummaryT& s) { s.forms[0]->fields[0] = FieldStat(2, 1, 0, 0); },
       Error::kOutOfRange, "forms[0].fields[0].field: 2 >= 2 configured fields"},
      {"other site", [](wire::SummaryT& s) { s.site = "other"; }, Error::kConfigMismatch, "site:"},
      {"no site", [](wire::SummaryT& s) { s.site.clear(); }, Error::kConfigMismatch, "site:"},
      {"other config", [](wire::SummaryT& s) { s.config_hash ^= 1; }, Error::kConfigMismatch,
       "config_hash:"},
  };
  for (const RejectionCase& c : cases) {
    wire::SummaryT s = FullSummary(config_);
    c.mutate(s);
    const std::vector<uint8_t> bytes = EncodeSummary(s);
    // Without a config these ids cannot be judged.
    Result<const wire::Summary*> plain = VerifySummary(bytes);
    EXPECT_TRUE(plain.ok()) << c.name << ": " << plain.message();
    Result<const wire::Summary*> verified = VerifySummary(bytes, &config_);
    EXPECT_EQ(verified.error(), c.error) << c.name << ": " << verified.message();
    EXPECT_EQ(verified.message().rfind(c.message, 0), 0u)
        << c.name << ": got \"" << verified.message() << "\"";
  }
}

TEST_F(SummaryTest, ConfigOfAnotherSiteIsAMismatch) {
  const Config other = ShopConfig("other-shop");
  const std::vector<uint8_t> bytes = EncodeSummary(FullSummary(config_));
  EXPECT_EQ(VerifySummary(bytes, &other).error(), Error::kConfigMismatch);
  const Config no_config;
  EXPECT_EQ(VerifySummary(bytes, &no_config).error(), Error::kConfigMismatch);
}

}  // namespace
}  // namespace microconv
