// The summary wire codec: encode, verify (the safety boundary for untrusted
// bytes) and the varints inside it.
#include "core/summary.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/page_pattern.h"
#include "core/wire_ids.h"
#include "tests/support/shop_config.h"
#include "tests/support/summary_facts.h"

namespace microconv {
namespace {

using wire::ElementStat;
using wire::FieldStat;
using wire::FormStat;
using wire::FunnelProgress;
using wire::HeatCell;
using wire::IdCount;
using wire::PageStat;

// The shared shop config (tests/support/shop_config.h), compiled.
Config ShopConfig(const std::string& site = "shop") {
  Result<Config> config = testing::LoadConfig(testing::ShopConfigDef(site));
  EXPECT_TRUE(config.ok()) << config.message();
  return config.ok() ? std::move(config).value() : Config();
}

wire::Dimensions Dims(uint8_t device, uint8_t browser, uint8_t os, uint8_t screen,
                      uint16_t language, uint16_t country) {
  return wire::Dimensions(
      static_cast<wire::DeviceClass>(device), static_cast<wire::BrowserFamily>(browser),
      static_cast<wire::OsFamily>(os), static_cast<wire::ScreenBucket>(screen), language, country);
}

using testing::Facts;
using testing::Pack;

void EditFacts(wire::SummaryT& s, const std::function<void(Facts&)>& edit) {
  Facts f = s.facts != nullptr ? testing::Unpack(*s.facts) : Facts();
  edit(f);
  s.facts = Pack(f);
}

void SetDims(wire::SummaryT& s, const wire::Dimensions& dims) {
  EditFacts(s, [&dims](Facts& f) { f.dims = dims; });
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
  Facts facts;
  facts.duration_ds = 12345;
  facts.active_ds = 2345;
  facts.page_views = 5;
  facts.rage_clicks = 3;
  facts.dead_clicks = 2;
  facts.quick_backs = 1;
  facts.dims = Dims(2, 3, 5, 2, kDe, kCh);  // mobile, safari, ios, s
  facts.flags = wire::FactFlags::PathTruncated | wire::FactFlags::Ended;
  facts.entry_page = 0;
  facts.exit_page = 2;
  s.facts = Pack(facts);
  s.pages = {PageStat(0, 2, 300, 80, 1), PageStat(1, 2, 600, 100, 0),
             PageStat(kLiteralBit, 1, 50, 10, 0)};
  s.path_steps = {0, 1, 3};
  s.path_deltas = Varints({12, 328, 99660});
  s.repeats = {IdCount(0, 1), IdCount(1, 2)};
  // next0: pages[2] (the literal page); next1: micro 2.
  s.funnels = {FunnelProgress(0, wire::FunnelFlags::Converted, 3, 2, 0x7, 0x8002, 2, 0)};
  s.step_times = Varints({328, 99988});
  s.heat = {HeatCell(0, 3, 17), HeatCell(2, 1, 511)};
  // signup owns fields[0..1], newsletter owns fields[2].
  s.forms = {FormStat(0, wire::FormFlags::Started, 1, 2),
             FormStat(1, wire::FormFlags::Started | wire::FormFlags::Submitted, 0, 1)};
  s.fields = {FieldStat(0, 2, 1, 0, 45), FieldStat(0x82, 1, 0, 0, 7), FieldStat(0, 1, 0, 0, 90)};
  s.elements = {ElementStat(0, 4, 3, 1, 1), ElementStat(1, 1, 0, 1, 2)};
  s.names = {"main>div#hero>button", "input#coupon", "coupon"};
  s.literal_pages = {"/about/team"};
  s.referrer = "news.example.org";
  s.utm_source = "newsletter";
  s.utm_medium = "email";
  s.utm_campaign = "spring";
  return s;
}

// Every cap reached and every value at its limit, still valid against
// ShopConfig.
wire::SummaryT EdgeSummary(const Config& config) {
  wire::SummaryT s = FullSummary(config);
  EditFacts(s, [](Facts& f) {
    f.duration_ds = 0xffffffffu;
    f.active_ds = 0xffffffffu;
    f.page_views = f.rage_clicks = f.dead_clicks = f.quick_backs = 0xffff;
    f.flags = static_cast<wire::FactFlags>(0xff);  // unknown bits too
    f.entry_page = f.exit_page = 2;                // the last page
  });
  s.pages[0] = PageStat(0, 0xffff, 0xffff, 100, 0xff);
  s.names.resize(2 * kMaxElements);
  for (size_t i = 0; i < s.names.size(); ++i) {
    s.names[i] = std::string(i == 0 ? kMaxElementNameLength : 1, static_cast<char>('a' + i % 26));
  }
  s.literal_pages[0] = std::string(128, '/');
  s.path_steps.assign(kMaxPathSteps, 1);
  s.path_deltas.clear();
  for (size_t i = 0; i < kMaxPathSteps; ++i) AppendVarint(0xffffffffu, s.path_deltas);
  s.repeats = {IdCount(3, 0xff), IdCount(0, 0)};
  // The last field names the last of the 64 names (7-bit index 63).
  s.fields[1] = FieldStat(kLiteralFieldBit | (2 * kMaxElements - 1), 0xff, 0xff, 0, 0xffff);
  s.forms[0] =
      FormStat(0, wire::FormFlags::Started | wire::FormFlags::Submitted, 0xff, 2);  // no last field
  // A funnel reaching only its first step has no step times; its next
  // actions name the last page slot and the last micro.
  s.funnels.push_back(FunnelProgress(0, wire::FunnelFlags::NONE, 1, 3, 1, 0x8002, 0, 3));
  return s;
}

// Struct vectors compare by their bytes: FlatBuffers structs are plain
// little-endian records whose padding the constructors zero.
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
  ASSERT_EQ(a.facts == nullptr, b.facts == nullptr);
  if (a.facts != nullptr) {
    EXPECT_EQ(std::memcmp(a.facts.get(), b.facts.get(), sizeof(*a.facts)), 0);
  }
  EXPECT_TRUE(SameStructs(a.pages, b.pages));
  EXPECT_EQ(a.path_steps, b.path_steps);
  EXPECT_EQ(a.path_deltas, b.path_deltas);
  EXPECT_TRUE(SameStructs(a.repeats, b.repeats));
  EXPECT_TRUE(SameStructs(a.funnels, b.funnels));
  EXPECT_EQ(a.step_times, b.step_times);
  EXPECT_TRUE(SameStructs(a.heat, b.heat));
  EXPECT_TRUE(SameStructs(a.forms, b.forms));
  EXPECT_TRUE(SameStructs(a.fields, b.fields));
  EXPECT_TRUE(SameStructs(a.elements, b.elements));
  EXPECT_EQ(a.names, b.names);
  EXPECT_EQ(a.literal_pages, b.literal_pages);
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
  const size_t names = SizeOf(s.names());
  const size_t literals = SizeOf(s.literal_pages());
  EXPECT_GE(s.version(), 1);
  EXPECT_LE(s.version(), kSummaryVersion);
  EXPECT_LE(pages, kMaxPages);
  EXPECT_LE(SizeOf(s.path_steps()), kMaxPathSteps);
  EXPECT_LE(SizeOf(s.repeats()), kMaxMicroConversions);
  EXPECT_LE(SizeOf(s.heat()), kMaxHeatCells);
  EXPECT_LE(SizeOf(s.elements()), kMaxElements);
  EXPECT_LE(names, 2 * kMaxElements);
  if (s.facts() != nullptr) {
    const wire::SessionFacts& facts = *s.facts();
    EXPECT_LE(static_cast<uint8_t>(facts.dims().device()),
              static_cast<uint8_t>(wire::DeviceClass::MAX));
    EXPECT_LE(static_cast<uint8_t>(facts.dims().browser()),
              static_cast<uint8_t>(wire::BrowserFamily::MAX));
    EXPECT_LE(static_cast<uint8_t>(facts.dims().os()), static_cast<uint8_t>(wire::OsFamily::MAX));
    EXPECT_LE(static_cast<uint8_t>(facts.dims().screen()),
              static_cast<uint8_t>(wire::ScreenBucket::MAX));
    if (pages > 0) {
      EXPECT_LT(facts.entry_page(), pages);
      EXPECT_LT(facts.exit_page(), pages);
    } else {
      EXPECT_EQ(facts.entry_page(), 0);
      EXPECT_EQ(facts.exit_page(), 0);
    }
  }
  for (size_t i = 0; i < pages; ++i) {
    const uint16_t page = s.pages()->Get(i)->page();
    if (page & kLiteralBit) {
      EXPECT_LT(static_cast<size_t>(page & ~kLiteralBit), literals);
    }
    EXPECT_LE(s.pages()->Get(i)->max_scroll(), 100);
  }
  for (size_t i = 0; i < SizeOf(s.heat()); ++i) EXPECT_LT(s.heat()->Get(i)->page(), pages);
  for (size_t i = 0; i < SizeOf(s.elements()); ++i) {
    EXPECT_LT(s.elements()->Get(i)->page(), pages);
    EXPECT_LT(s.elements()->Get(i)->element(), names);
  }
  for (size_t i = 0; i < names; ++i) {
    EXPECT_LE(s.names()->Get(i)->size(), kMaxElementNameLength);
  }
  size_t expected_times = 0;
  for (size_t i = 0; i < SizeOf(s.funnels()); ++i) {
    const FunnelProgress* f = s.funnels()->Get(i);
    EXPECT_LE(f->next_count(), 3);
    EXPECT_LE(f->furthest(), 32);
    const uint16_t next[] = {f->next0(), f->next1(), f->next2()};
    for (size_t n = 0; n < f->next_count() && n < 3; ++n) {
      if (next[n] & kLiteralBit) {
        EXPECT_LT(static_cast<size_t>(next[n] & ~kLiteralBit), pages);
      } else {
        EXPECT_LE(next[n], 0xff);
      }
    }
    if (f->reached() != 0) expected_times += std::popcount(f->reached()) - 1;
  }
  size_t claimed = 0;
  for (size_t i = 0; i < SizeOf(s.forms()); ++i) {
    const wire::FormStat* form = s.forms()->Get(i);
    EXPECT_LE(form->field_count(), kMaxFormFields);
    if (form->last_field() != 0xff) {
      EXPECT_LT(form->last_field(), form->field_count());
    }
    claimed += form->field_count();
  }
  EXPECT_EQ(claimed, SizeOf(s.fields()));
  for (size_t f = 0; f < SizeOf(s.fields()); ++f) {
    const uint8_t field = s.fields()->Get(f)->field();
    if (field & kLiteralFieldBit) {
      EXPECT_LT(field & 0x7fu, names);
    }
  }
  std::vector<uint32_t> values;
  if (s.path_deltas() != nullptr) {
    ASSERT_TRUE(DecodeVarints({s.path_deltas()->data(), s.path_deltas()->size()}, values));
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
  for (size_t i = 0; i < SizeOf(s.repeats()); ++i) {
    EXPECT_LT(s.repeats()->Get(i)->id(), config.micro_count());
  }
  for (size_t i = 0; i < SizeOf(s.path_steps()); ++i) {
    EXPECT_LT(s.path_steps()->Get(i), config.micro_count());
  }
  for (size_t i = 0; i < SizeOf(s.funnels()); ++i) {
    const FunnelProgress* f = s.funnels()->Get(i);
    EXPECT_LT(f->funnel(), config.funnel_count());
    EXPECT_LT(f->reached(), 1u << 3);  // ShopConfig's funnel has 3 steps
    EXPECT_LE(f->furthest(), 3);
    const uint16_t next[] = {f->next0(), f->next1(), f->next2()};
    for (size_t n = 0; n < f->next_count() && n < 3; ++n) {
      if (!(next[n] & kLiteralBit)) {
        EXPECT_LT(next[n], config.micro_count());
      }
    }
  }
  for (size_t i = 0; i < SizeOf(s.pages()); ++i) {
    const uint16_t page = s.pages()->Get(i)->page();
    if (!(page & kLiteralBit)) {
      EXPECT_LT(page, config.template_count());
    }
  }
  // Each form's own slice of `fields` names its own configured fields.
  const size_t configured[] = {2, 1};  // signup, newsletter
  size_t next_field = 0;
  for (size_t i = 0; i < SizeOf(s.forms()); ++i) {
    const wire::FormStat* form = s.forms()->Get(i);
    ASSERT_LT(form->form(), 2);
    for (size_t f = 0; f < form->field_count(); ++f, ++next_field) {
      ASSERT_LT(next_field, SizeOf(s.fields()));
      const uint8_t field = s.fields()->Get(next_field)->field();
      if (!(field & kLiteralFieldBit)) {
        EXPECT_LT(field, configured[form->form()]);
      }
    }
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
  // Many literal pages: each passes its own cap, together they do not.
  s.literal_pages.assign(200, "/" + std::string(kMaxPathLength - 1, 'p'));
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
      {"device enum", [](wire::SummaryT& s) { SetDims(s, Dims(9, 0, 0, 0, 0, 0)); },
       Error::kOutOfRange, "dims.device: 9"},
      {"browser enum", [](wire::SummaryT& s) { SetDims(s, Dims(0, 8, 0, 0, 0, 0)); },
       Error::kOutOfRange, "dims.browser: 8"},
      {"os enum", [](wire::SummaryT& s) { SetDims(s, Dims(0, 0, 255, 0, 0, 0)); },
       Error::kOutOfRange, "dims.os: 255"},
      {"screen enum", [](wire::SummaryT& s) { SetDims(s, Dims(0, 0, 0, 7, 0, 0)); },
       Error::kOutOfRange, "dims.screen: 7"},
      {"language not letters", [](wire::SummaryT& s) { SetDims(s, Dims(0, 0, 0, 0, 0x4142, 0)); },
       Error::kOutOfRange, "dims.language"},
      {"country half set", [](wire::SummaryT& s) { SetDims(s, Dims(0, 0, 0, 0, kDe, 'c' << 8)); },
       Error::kOutOfRange, "dims.country"},
      {"too many pages",
       [](wire::SummaryT& s) { s.pages.assign(kMaxPages + 1, PageStat(0, 1, 0, 0, 0)); },
       Error::kTooLarge, "pages: 65 > 64"},
      {"path over cap",
       [](wire::SummaryT& s) {
         s.path_steps.assign(kMaxPathSteps + 1, 0);
         s.path_deltas.assign(kMaxPathSteps + 1, 1);
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
       [](wire::SummaryT& s) { s.forms.resize(65, FormStat(0, wire::FormFlags::NONE, 0xff, 0)); },
       Error::kTooLarge, "forms: 65 > 64"},
      {"too many repeats",
       [](wire::SummaryT& s) { s.repeats.assign(kMaxMicroConversions + 1, IdCount(0, 1)); },
       Error::kTooLarge, "repeats: 251 > 250"},
      {"too many names", [](wire::SummaryT& s) { s.names.resize(2 * kMaxElements + 1, "x"); },
       Error::kTooLarge, "names: 65 > 64"},
      {"too many fields",
       [](wire::SummaryT& s) {
         s.forms = {FormStat(0, wire::FormFlags::Started, 0, 65)};
         s.fields.assign(65, FieldStat(0, 1, 0, 0, 0));
       },
       Error::kTooLarge, "forms[0].field_count: 65 > 64"},
      {"long name",
       [](wire::SummaryT& s) { s.names[1] = std::string(kMaxElementNameLength + 1, 'x'); },
       Error::kTooLarge, "names[1]: 97 > 96"},
      {"long literal page",
       [](wire::SummaryT& s) { s.literal_pages[0] = "/" + std::string(128, 'p'); },
       Error::kTooLarge, "literal_pages[0]: 129 > 128"},
      {"entry page", [](wire::SummaryT& s) { EditFacts(s, [](Facts& f) { f.entry_page = 3; }); },
       Error::kOutOfRange, "facts.entry_page: 3 >= 3 pages"},
      {"exit page", [](wire::SummaryT& s) { EditFacts(s, [](Facts& f) { f.exit_page = 200; }); },
       Error::kOutOfRange, "facts.exit_page: 200 >= 3 pages"},
      {"entry page without pages",
       [](wire::SummaryT& s) {
         s.pages.clear();
         s.heat.clear();
         s.elements.clear();
         s.funnels.clear();
         s.step_times.clear();
         EditFacts(s, [](Facts& f) {
           f.entry_page = 0;
           f.exit_page = 1;
         });
       },
       Error::kOutOfRange, "facts.exit_page: 1 >= 0 pages"},
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
      {"element name index", [](wire::SummaryT& s) { s.elements[1] = ElementStat(3, 1, 0, 0, 0); },
       Error::kOutOfRange, "elements[1].element: 3 >= 3 names"},
      {"next_count",
       [](wire::SummaryT& s) {
         s.funnels[0] = FunnelProgress(0, wire::FunnelFlags::NONE, 3, 4, 7, 0, 0, 0);
       },
       Error::kOutOfRange, "funnels[0].next_count: 4 > 3"},
      {"furthest",
       [](wire::SummaryT& s) {
         s.funnels[0] = FunnelProgress(0, wire::FunnelFlags::NONE, 33, 0, 7, 0, 0, 0);
       },
       Error::kOutOfRange, "funnels[0].furthest: 33 > 32"},
      {"next action not an id",
       [](wire::SummaryT& s) {
         s.funnels[0] = FunnelProgress(0, wire::FunnelFlags::NONE, 3, 1, 7, 0x100, 0, 0);
       },
       Error::kOutOfRange, "funnels[0].next0: 256"},
      // A page action is a slot of this summary's pages, not a template id.
      {"next page slot",
       [](wire::SummaryT& s) {
         s.funnels[0] = FunnelProgress(0, wire::FunnelFlags::NONE, 3, 2, 7, 1, 0x8003, 0);
       },
       Error::kOutOfRange, "funnels[0].next1: 3 >= 3 pages"},
      {"next page slot far out",
       [](wire::SummaryT& s) {
         s.funnels[0] = FunnelProgress(0, wire::FunnelFlags::NONE, 3, 3, 7, 1, 2, 0xffff);
       },
       Error::kOutOfRange, "funnels[0].next2: 32767 >= 3 pages"},
      {"next page without pages",
       [](wire::SummaryT& s) {
         s.pages.clear();
         s.heat.clear();
         s.elements.clear();
         s.facts.reset();
         s.funnels[0] = FunnelProgress(0, wire::FunnelFlags::NONE, 3, 1, 7, kLiteralBit, 0, 0);
       },
       Error::kOutOfRange, "funnels[0].next0: 0 >= 0 pages"},
      {"last field",
       [](wire::SummaryT& s) { s.forms[0] = FormStat(0, wire::FormFlags::Started, 2, 2); },
       Error::kOutOfRange, "forms[0].last_field: 2 >= 2 fields"},
      // last_field indexes the form's own fields, not the flat vector.
      {"last field of a later form",
       [](wire::SummaryT& s) { s.forms[1] = FormStat(1, wire::FormFlags::Started, 1, 1); },
       Error::kOutOfRange, "forms[1].last_field: 1 >= 1 fields"},
      {"more fields than forms claim",
       [](wire::SummaryT& s) { s.fields.push_back(FieldStat(0, 1, 0, 0, 0)); },
       Error::kVerifyFailed, "fields: 4 entries, forms claim 3"},
      {"fewer fields than forms claim", [](wire::SummaryT& s) { s.fields.pop_back(); },
       Error::kVerifyFailed, "fields: 2 entries, forms claim 3"},
      {"fields without forms", [](wire::SummaryT& s) { s.forms.clear(); }, Error::kVerifyFailed,
       "fields: 3 entries, forms claim 0"},
      {"form claims fields of none", [](wire::SummaryT& s) { s.fields.clear(); },
       Error::kVerifyFailed, "fields: 0 entries, forms claim 3"},
      {"field name index", [](wire::SummaryT& s) { s.fields[1] = FieldStat(0x83, 1, 0, 0, 0); },
       Error::kOutOfRange, "fields[1].field: 3 >= 3 names"},
      {"field name index of a later form",
       [](wire::SummaryT& s) { s.fields[2] = FieldStat(0xff, 1, 0, 0, 0); }, Error::kOutOfRange,
       "fields[2].field: 127 >= 3 names"},
      {"malformed path deltas",
       [](wire::SummaryT& s) {
         s.path_deltas = {0x01, 0x02, 0x83};
       },
       Error::kVerifyFailed, "path_deltas: malformed varint"},
      {"overflowing path delta",
       [](wire::SummaryT& s) { s.path_deltas = {1, 2, 0xff, 0xff, 0xff, 0xff, 0x7f}; },
       Error::kVerifyFailed, "path_deltas: malformed varint"},
      {"too few path deltas",
       [](wire::SummaryT& s) {
         s.path_deltas = Varints({1, 2});
       },
       Error::kTruncated, "path_deltas: 2 varints, expected 3"},
      {"too many path deltas",
       [](wire::SummaryT& s) {
         s.path_deltas = Varints({1, 2, 3, 4});
       },
       Error::kVerifyFailed, "path_deltas: 4 varints, expected 3"},
      {"deltas without steps", [](wire::SummaryT& s) { s.path_steps.clear(); },
       Error::kVerifyFailed, "path_deltas: 3 varints, expected 0"},
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
  const std::vector<uint8_t> bytes = EncodeSummary(EdgeSummary(config_));
  Result<const wire::Summary*> verified = VerifySummary(bytes, &config_);
  ASSERT_TRUE(verified.ok()) << verified.message();
  ExpectIndicesInRange(*verified.value());
  ExpectIdsInConfig(*verified.value(), config_);
}

TEST_F(SummaryTest, MissingFactsReadAsZero) {
  // Facts are optional on the wire: absent, they read as all zero and the
  // entry/exit rule holds for a summary without pages.
  wire::SummaryT s = FullSummary(config_);
  s.facts.reset();
  const std::vector<uint8_t> bytes = EncodeSummary(s);
  Result<const wire::Summary*> verified = VerifySummary(bytes, &config_);
  ASSERT_TRUE(verified.ok()) << verified.message();
  EXPECT_EQ(verified.value()->facts(), nullptr);
  std::unique_ptr<wire::SummaryT> decoded(verified.value()->UnPack());
  ExpectSameSummary(s, *decoded);
}

TEST_F(SummaryTest, FormsOwnConsecutiveFields) {
  // Forms with no fields take no entries; the ones after them still line up.
  wire::SummaryT s = FullSummary(config_);
  s.forms = {FormStat(1, wire::FormFlags::Started, 0xff, 0),
             FormStat(0, wire::FormFlags::Started, 1, 2),
             FormStat(1, wire::FormFlags::Started | wire::FormFlags::Submitted, 0, 1),
             FormStat(0, wire::FormFlags::Started, 0xff, 0)};
  const std::vector<uint8_t> with_empty_forms = EncodeSummary(s);
  Result<const wire::Summary*> verified = VerifySummary(with_empty_forms, &config_);
  EXPECT_TRUE(verified.ok()) << verified.message();
  // Newsletter first: it owns fields[0] and its one configured field is 0,
  // so a field id 1 there is judged against newsletter, not signup.
  s.forms = {FormStat(1, wire::FormFlags::Started | wire::FormFlags::Submitted, 0, 1),
             FormStat(0, wire::FormFlags::Started, 1, 2)};
  s.fields = {FieldStat(1, 1, 0, 0, 0), FieldStat(0, 1, 0, 0, 0), FieldStat(1, 1, 0, 0, 0)};
  const std::vector<uint8_t> newsletter_first = EncodeSummary(s);
  EXPECT_TRUE(VerifySummary(newsletter_first).ok());
  Result<const wire::Summary*> checked = VerifySummary(newsletter_first, &config_);
  EXPECT_EQ(checked.error(), Error::kOutOfRange);
  EXPECT_EQ(checked.message(), "fields[0].field: 1 >= 1 configured fields");
  // With newsletter's field fixed, signup's fields 0 and 1 both exist.
  s.fields[0] = FieldStat(0, 1, 0, 0, 0);
  const std::vector<uint8_t> fixed = EncodeSummary(s);
  checked = VerifySummary(fixed, &config_);
  EXPECT_TRUE(checked.ok()) << checked.message();
}

TEST_F(SummaryTest, RejectsIdsTheConfigDoesNotHave) {
  const std::vector<RejectionCase> cases = {
      {"repeat id", [](wire::SummaryT& s) { s.repeats[1] = IdCount(4, 1); }, Error::kOutOfRange,
       "repeats[1].id: 4 >= 4 micros"},
      {"path step", [](wire::SummaryT& s) { s.path_steps[2] = 9; }, Error::kOutOfRange,
       "path_steps[2]: 9 >= 4 micros"},
      {"call to action id", [](wire::SummaryT& s) { s.cta_seen = {9}; }, Error::kOutOfRange,
       "cta_seen[0]: 9 >= 4 micros"},
      // No rule of this config is a call to action.
      {"not a call to action", [](wire::SummaryT& s) { s.cta_seen = {1}; }, Error::kOutOfRange,
       "cta_seen[0]: not a call to action"},
      {"funnel id",
       [](wire::SummaryT& s) {
         s.funnels[0] = FunnelProgress(1, wire::FunnelFlags::NONE, 3, 0, 7, 0, 0, 0);
       },
       Error::kOutOfRange, "funnels[0].funnel: 1 >= 1 funnels"},
      {"reached bit beyond steps",
       [](wire::SummaryT& s) {
         s.funnels[0] = FunnelProgress(0, wire::FunnelFlags::NONE, 2, 0, 0xb, 0, 0, 0);
       },
       Error::kOutOfRange, "funnels[0].reached: 0x0000000b has bits >= 3 steps"},
      {"furthest beyond steps",
       [](wire::SummaryT& s) {
         s.funnels[0] = FunnelProgress(0, wire::FunnelFlags::NONE, 4, 0, 0x7, 0, 0, 0);
       },
       Error::kOutOfRange, "funnels[0].furthest: 4 > 3 steps"},
      {"next micro",
       [](wire::SummaryT& s) {
         s.funnels[0] = FunnelProgress(0, wire::FunnelFlags::NONE, 3, 2, 0x7, 1, 4, 0);
       },
       Error::kOutOfRange, "funnels[0].next1: 4 >= 4 micros"},
      {"template page", [](wire::SummaryT& s) { s.pages[1] = PageStat(3, 1, 0, 0, 0); },
       Error::kOutOfRange, "pages[1].page: 3 >= 3 page templates"},
      {"form", [](wire::SummaryT& s) { s.forms[1] = FormStat(2, wire::FormFlags::Started, 0, 1); },
       Error::kOutOfRange, "forms[1].form: 2 >= 2 forms"},
      {"configured field", [](wire::SummaryT& s) { s.fields[0] = FieldStat(2, 1, 0, 0, 0); },
       Error::kOutOfRange, "fields[0].field: 2 >= 2 configured fields"},
      // fields[2] belongs to newsletter, which has one configured field.
      {"configured field of a later form",
       [](wire::SummaryT& s) { s.fields[2] = FieldStat(1, 1, 0, 0, 0); }, Error::kOutOfRange,
       "fields[2].field: 1 >= 1 configured fields"},
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
    // The collector's second half (the structure checked once): the same verdict.
    if (!plain.ok()) continue;
    const Status checked = CheckSummaryAgainstConfig(*plain.value(), config_);
    EXPECT_EQ(checked.error, c.error) << c.name;
    EXPECT_EQ(checked.message, verified.message()) << c.name;
  }
  const std::vector<uint8_t> fine = EncodeSummary(FullSummary(config_));
  const Result<const wire::Summary*> fine_plain = VerifySummary(fine);
  ASSERT_TRUE(fine_plain.ok()) << fine_plain.message();
  EXPECT_TRUE(CheckSummaryAgainstConfig(*fine_plain.value(), config_).ok());
}

TEST_F(SummaryTest, ConfigOfAnotherSiteIsAMismatch) {
  const Config other = ShopConfig("other-shop");
  const std::vector<uint8_t> bytes = EncodeSummary(FullSummary(config_));
  EXPECT_EQ(VerifySummary(bytes, &other).error(), Error::kConfigMismatch);
  const Config no_config;
  EXPECT_EQ(VerifySummary(bytes, &no_config).error(), Error::kConfigMismatch);
}

// Regenerates the fuzz seeds from real encoder output. The seeds must pass
// the verifier with a config of this shape (tests/fuzz/summary_fuzz.cc has
// the same one), so that the fuzzer starts from accepted inputs; that part
// always runs. Writing runs only when MICROCONV_WRITE_FUZZ_SEEDS names the
// corpus directory, e.g. MICROCONV_WRITE_FUZZ_SEEDS=tests/fuzz/corpus/summary.
TEST_F(SummaryTest, FuzzSeedsVerify) {
  wire::SummaryT empty;
  empty.version = kSummaryVersion;
  const std::vector<std::pair<std::string, std::vector<uint8_t>>> seeds = {
      {"empty.mcs", EncodeSummary(empty)},
      {"full.mcs", EncodeSummary(FullSummary(config_))},
      {"edge.mcs", EncodeSummary(EdgeSummary(config_))},
  };
  for (const auto& [name, bytes] : seeds) {
    Result<const wire::Summary*> verified = VerifySummary(bytes);
    ASSERT_TRUE(verified.ok()) << name << ": " << verified.message();
    if (name != "empty.mcs") {
      EXPECT_TRUE(VerifySummary(bytes, &config_).ok()) << name;
    }
  }
  const char* dir = std::getenv("MICROCONV_WRITE_FUZZ_SEEDS");
  if (dir == nullptr || *dir == '\0') return;
  for (const auto& [name, bytes] : seeds) {
    const std::string path = std::string(dir) + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(out.good()) << path;
  }
}

}  // namespace
}  // namespace microconv
