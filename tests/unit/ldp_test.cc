#include "core/ldp.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/aggregate.h"
#include "core/flatbuffer_view.h"
#include "core/report.h"
#include "core/report_csv.h"
#include "core/report_json.h"
#include "core/session.h"
#include "core/summary.h"
#include "tests/support/event_stream.h"
#include "tests/support/shop_config.h"

namespace microconv {
namespace {

constexpr uint32_t kStartMinute = 20000 * 1440;

// Micros view, add, buy (macro), news; funnel buy = view -> add -> buy.
// Bits: 0 view, 1 add, 2 buy, 3 news, 4..6 the funnel's steps.
Config LdpConfig(float epsilon) {
  wire::SiteConfigT c;
  c.site = "shop";
  c.page_templates = {"/", "/product/:id"};
  testing::AddMicro(c, "view", wire::MicroKind::PageView);
  testing::AddMicro(c, "add", wire::MicroKind::CustomEvent);
  testing::AddMicro(c, "buy", wire::MicroKind::DataLayer, true);
  testing::AddMicro(c, "news", wire::MicroKind::CustomEvent);
  testing::AddFunnel(c, "buy", "Buy", {0, 1, 2}, "S");
  c.privacy = std::make_unique<wire::PrivacyDefT>();
  c.privacy->k_anonymity = 3;
  c.privacy->ldp_epsilon = epsilon;
  Result<Config> config = testing::LoadConfig(c);
  EXPECT_TRUE(config.ok()) << config.message();
  return config.ok() ? std::move(config).value() : Config();
}

// A full (exact) summary with every behaviour field a session can have.
wire::SummaryT FullSummary(const Config& config, std::vector<uint8_t> path, uint32_t reached,
                           bool converted, uint64_t nonce) {
  wire::SummaryT s;
  s.version = kSummaryVersion;
  s.site = "shop";
  s.config_hash = config.hash();
  s.nonce = nonce;
  s.seq = 1;
  s.start_minute = kStartMinute;
  const wire::Dimensions dims(wire::DeviceClass::Mobile, wire::BrowserFamily::Firefox,
                              wire::OsFamily::Linux, wire::ScreenBucket::L, 'd' << 8 | 'e',
                              'c' << 8 | 'h');
  s.facts = std::make_unique<wire::SessionFacts>(900, 400, 2, 1, 1, 0, dims, wire::FactFlags::Ended,
                                                 0, 1);
  s.pages.emplace_back(0, 1, 50, 50, 0);
  s.pages.emplace_back(1, 1, 300, 100, 0);
  for (uint8_t id : path) {
    s.path_steps.push_back(id);
    s.path_deltas.push_back(10);
  }
  if (reached != 0) {
    const uint8_t furthest = static_cast<uint8_t>(std::popcount(reached));
    s.funnels.emplace_back(0, converted ? wire::FunnelFlags::Converted : wire::FunnelFlags::NONE,
                           furthest, 0, reached, 0, 0, 0);
    for (int i = 1; i < furthest; ++i) s.step_times.push_back(static_cast<uint8_t>(20 * i));
  }
  s.heat.emplace_back(1, 2, 5);
  if (converted) {
    s.orders = 1;
    s.revenue_cents = 14900;
  }
  s.referrer = "google.com";
  return s;
}

// StripToLdp of an object-form summary, in object form.
wire::SummaryT Stripped(const wire::SummaryT& full, const Config& config, uint64_t seed,
                        float epsilon) {
  const std::vector<uint8_t> bytes = EncodeSummary(full);
  return testing::UnpackSummary(StripToLdp(*wire::GetSummary(bytes.data()), config, seed, epsilon));
}

std::vector<uint8_t> Bits(std::initializer_list<int> set, size_t count) {
  std::vector<uint8_t> bits((count + 7) / 8, 0);
  for (int i : set) bits[i / 8] = static_cast<uint8_t>(bits[i / 8] | (1u << (i % 8)));
  return bits;
}

TEST(LdpTest, BitLayoutFollowsTheConfig) {
  const Config config = LdpConfig(1);
  EXPECT_EQ(LdpBitCount(config), 7u);
  EXPECT_EQ(LdpFunnelBit(config, 0), 4u);
  const wire::SummaryT s = FullSummary(config, {0, 1, 0}, 0b011, false, 1);
  const std::vector<uint8_t> bytes = EncodeSummary(s);
  EXPECT_EQ(LdpTrueBits(*wire::GetSummary(bytes.data()), config), Bits({0, 1, 4, 5}, 7));
}

// The noise is a function of (seed, bit, value): re-randomizing with the
// same seed gives the same bits, so a session's flushes agree; over many
// seeds each bit flips with probability 1 / (1 + e^eps).
TEST(LdpTest, NoiseIsFixedPerSeedAndFlipsAtTheRate) {
  const std::vector<uint8_t> truth = Bits({0, 2, 4}, 7);
  const double epsilon = 1.0;
  size_t flips = 0, total = 0;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const uint64_t seed = rng();
    const std::vector<uint8_t> a = RandomizeLdpBits(truth, 7, seed, epsilon);
    ASSERT_EQ(a, RandomizeLdpBits(truth, 7, seed, epsilon));
    ASSERT_EQ(a[0] >> 7, 0) << "no bit past the count";
    for (size_t b = 0; b < 7; ++b) {
      flips += LdpBit(a, b) != LdpBit(truth, b);
      ++total;
    }
  }
  const double q = LdpFlipProbability(epsilon);
  const double share = static_cast<double>(flips) / static_cast<double>(total);
  EXPECT_NEAR(share, q, 4 * std::sqrt(q * (1 - q) / static_cast<double>(total)));
}

// The accuracy table of the issue: for n sessions with a true share of 0.3
// and each epsilon, R simulated populations (a fresh secret seed per
// session, as the tracker draws them) estimated by the collector's
// estimator: the mean error shows no bias and the spread matches theory.
TEST(LdpTest, EstimatesAreUnbiasedWithTheTheoreticalError) {
  const double share = 0.3;
  struct Size {
    uint64_t n;
    int runs;
  };
  const Size sizes[] = {{10000, 200}, {100000, 40}, {1000000, 8}};
  const double epsilons[] = {0.5, 1, 2, 4};
  std::mt19937_64 rng(2026);
  std::printf("LDP accuracy, true share %.2f (estimate of the share, over R populations)\n", share);
  std::printf("%8s %4s %4s %11s %10s %10s %10s %6s\n", "n", "eps", "R", "mean error", "SD seen",
              "SD theory", "bound", "ratio");
  double pooled_ratio_sum = 0;
  int cells = 0;
  for (const Size& size : sizes) {
    for (double epsilon : epsilons) {
      const double q = LdpFlipProbability(epsilon);
      const auto truth_count = static_cast<uint64_t>(share * static_cast<double>(size.n));
      double sum = 0, sum_sq = 0;
      for (int run = 0; run < size.runs; ++run) {
        uint64_t ones = 0;
        for (uint64_t i = 0; i < size.n; ++i) {
          const uint8_t bit = i < truth_count ? 1 : 0;
          ones += RandomizeLdpBits({&bit, 1}, 1, rng(), epsilon)[0];
        }
        const LdpEstimate e = EstimateLdpCount(ones, size.n, epsilon);
        if (run == 0) {
          EXPECT_NEAR(std::sqrt(e.variance) / static_cast<double>(size.n),
                      std::sqrt(q * (1 - q) / static_cast<double>(size.n)) / (1 - 2 * q), 1e-12);
        }
        const double error = e.count / static_cast<double>(size.n) - share;
        sum += error;
        sum_sq += error * error;
      }
      const double runs = size.runs;
      const double mean = sum / runs;
      const double sd = std::sqrt((sum_sq - runs * mean * mean) / (runs - 1));
      // Each report flips with q whatever its bit: Var = p q / n / (p - q)^2.
      const double theory = std::sqrt(q * (1 - q) / static_cast<double>(size.n)) / (1 - 2 * q);
      // The issue's one-bit figure: the worst case (a reported share of 1/2).
      const double bound = (std::exp(epsilon) + 1) /
                           (2 * (std::exp(epsilon) - 1) * std::sqrt(static_cast<double>(size.n)));
      std::printf("%8llu %4.1f %4d %+11.6f %10.6f %10.6f %10.6f %6.3f\n",
                  static_cast<unsigned long long>(size.n), epsilon, size.runs, mean, sd, theory,
                  bound, sd / theory);
      // Unbiased: the mean error within 4 standard errors of 0.
      EXPECT_LT(std::abs(mean), 4 * theory / std::sqrt(runs)) << size.n << " " << epsilon;
      // The spread: the sample SD of R runs has a relative SD of about
      // 1 / sqrt(2 (R - 1)); allow 4 of them.
      EXPECT_NEAR(sd / theory, 1.0, 4 / std::sqrt(2 * (runs - 1))) << size.n << " " << epsilon;
      EXPECT_LE(theory, bound * 1.0000001);
      pooled_ratio_sum += sd / theory;
      ++cells;
    }
  }
  EXPECT_NEAR(pooled_ratio_sum / cells, 1.0, 0.1);
}

// StripToLdp leaves nothing that gives a true bit away, the collector
// verifies that, and refuses the two mixes (behaviour in an LDP summary,
// an exact summary for a site that promised LDP).
TEST(LdpTest, AnLdpSummaryCarriesOnlyTheRandomizedBits) {
  const Config config = LdpConfig(2);
  wire::SummaryT s = FullSummary(config, {0, 1, 2}, 0b111, true, 42);
  const std::vector<uint8_t> exact_bytes = EncodeSummary(s);
  s = Stripped(s, config, 99, 2);
  const std::vector<uint8_t> bytes = EncodeSummary(s);
  auto verified = VerifySummary(bytes, &config);
  ASSERT_TRUE(verified.ok()) << verified.message();
  const wire::Summary& v = *verified.value();
  EXPECT_FLOAT_EQ(v.ldp_epsilon(), 2);
  ASSERT_NE(v.ldp_bits(), nullptr);
  EXPECT_EQ(v.ldp_bits()->size(), 1u);
  EXPECT_EQ(v.nonce(), 42u);
  EXPECT_EQ(v.pages(), nullptr);
  EXPECT_EQ(v.path_steps(), nullptr);
  EXPECT_EQ(v.path_deltas(), nullptr);
  EXPECT_EQ(v.funnels(), nullptr);
  EXPECT_EQ(v.step_times(), nullptr);
  EXPECT_EQ(v.heat(), nullptr);
  EXPECT_EQ(v.orders(), 0);
  EXPECT_EQ(v.revenue_cents(), 0u);
  EXPECT_EQ(v.facts()->duration_ds(), 0u);
  EXPECT_EQ(v.facts()->page_views(), 0);
  EXPECT_EQ(v.facts()->exit_page(), 0);
  EXPECT_EQ(v.facts()->flags(), wire::FactFlags::Ended);
  EXPECT_EQ(v.facts()->dims().device(), wire::DeviceClass::Mobile);
  EXPECT_EQ(View(v.referrer()), "google.com");
  // What the two appended fields cost: the same summary without them.
  wire::SummaryT bare;
  v.UnPackTo(&bare);
  bare.ldp_epsilon = 0;
  bare.ldp_bits.clear();
  const size_t bare_size = EncodeSummary(bare).size();
  std::printf(
      "LDP summary: %zu bytes (exact summary of the same session: %zu; %zu of them for "
      "ldp_epsilon and %zu bits)\n",
      bytes.size(), exact_bytes.size(), bytes.size() - bare_size, LdpBitCount(config));
  EXPECT_GT(bytes.size(), bare_size);

  // The exact summary for an LDP site: refused.
  EXPECT_EQ(VerifySummary(exact_bytes, &config).error(), Error::kConfigMismatch);
  // An LDP summary that also carries a path: refused, with or without config.
  wire::SummaryT leaky;
  v.UnPackTo(&leaky);
  leaky.path_steps = {2};
  leaky.path_deltas = {1};
  EXPECT_EQ(VerifySummary(EncodeSummary(leaky)).error(), Error::kVerifyFailed);
  // Bits past the config's: refused.
  wire::SummaryT wide;
  v.UnPackTo(&wide);
  wide.ldp_bits[0] |= 0x80;
  EXPECT_EQ(VerifySummary(EncodeSummary(wide), &config).error(), Error::kVerifyFailed);
  // An epsilon outside the range: refused.
  wide.ldp_bits[0] &= 0x7f;
  wide.ldp_epsilon = 50;
  EXPECT_EQ(VerifySummary(EncodeSummary(wide)).error(), Error::kOutOfRange);
}

// One release per session: a running LDP session's flushes send nothing
// (a bit that turned on between two sent summaries would show as a changed
// answer), the flush after End() sends the one summary, and its bytes are
// what the preview showed before the end (nothing in them depends on when:
// seq 0, Ended set). A restored session (another page, another tab)
// releases the same bytes: the seed is in the snapshot.
TEST(LdpTest, ASessionSendsOnceAtItsEnd) {
  const Config config = LdpConfig(0.5);
  int differing = 0;
  for (uint64_t seed = 1; seed <= 64; ++seed) {
    const int64_t t0 = 1700000000000;
    Session session(config, SessionStart{.nonce = 5, .ldp_seed = seed, .time_ms = t0});
    EXPECT_TRUE(session.Flush().empty()) << "nothing sent while the session runs";
    const std::vector<uint8_t> before = session.PreviewSummary();
    // The custom event "add" (micro 1): its bit turns on mid-session.
    Event add;
    add.time_ms = t0 + 1000;
    add.type = EventType::kCustom;
    add.str = 0;
    const std::string_view add_name[] = {"add"};
    session.Ingest(EventBatch{std::span(&add, 1), add_name});
    ASSERT_EQ(session.LdpTrueBits(), Bits({1}, 7));
    EXPECT_TRUE(session.Flush().empty()) << "nor after the bit turned on";
    const std::vector<uint8_t> preview = session.PreviewSummary();
    Result<Session> restored = Session::Restore(config, session.Snapshot());
    ASSERT_TRUE(restored.ok()) << restored.message();
    session.End();
    const std::vector<uint8_t> sent = session.Flush();
    EXPECT_EQ(sent, preview) << "the preview is what the end sends";
    restored.value().End();
    EXPECT_EQ(restored.value().Flush(), sent) << "a restored session releases the same bytes";
    auto v = VerifySummary(sent, &config);
    ASSERT_TRUE(v.ok()) << v.message();
    EXPECT_EQ(v.value()->seq(), 0u);
    EXPECT_EQ(v.value()->facts()->flags(), wire::FactFlags::Ended);
    const std::vector<uint8_t> bits(v.value()->ldp_bits()->begin(), v.value()->ldp_bits()->end());
    EXPECT_EQ(bits, RandomizeLdpBits(Bits({1}, 7), 7, seed, 0.5));
    differing += before != preview;
  }
  // The randomized "add" bit differs before and after it turned on unless
  // both draws agree: p^2 + q^2 = 0.53 of seeds at eps 0.5.
  EXPECT_GT(differing, 10);
}

// The collector holds the tracker to it: an LDP summary with a seq (a
// second summary of its session) or without the Ended flag is refused.
TEST(LdpTest, TheCollectorRefusesASecondOrEarlyLdpSummary) {
  const Config config = LdpConfig(1);
  wire::SummaryT s = FullSummary(config, {0, 1}, 0b011, false, 7);
  s = Stripped(s, config, 3, 1);
  ASSERT_TRUE(VerifySummary(EncodeSummary(s), &config).ok());
  wire::SummaryT second = s;
  second.seq = 1;
  EXPECT_EQ(VerifySummary(EncodeSummary(second), &config).error(), Error::kVerifyFailed);
  wire::SummaryT early = s;
  early.facts = std::make_unique<wire::SessionFacts>(0, 0, 0, 0, 0, 0, s.facts->dims(),
                                                     wire::FactFlags::NONE, 0, 0);
  EXPECT_EQ(VerifySummary(EncodeSummary(early), &config).error(), Error::kVerifyFailed);
}

// The collector: LDP sessions kept apart from exact ones, estimated, and
// combined with them; the aggregate round-trips and takes sessions back.
TEST(LdpTest, TheReportEstimatesLdpSessionsAndCombinesThemWithExactOnes) {
  const Config config = LdpConfig(1);
  Aggregate aggregate(config);
  std::mt19937_64 rng(11);
  const int ldp_sessions = 20000, exact_sessions = 3000;
  // True shares: view 0.6, add 0.3, buy 0.1 (the funnel's steps alike).
  auto play = [&](int i, bool ldp) {
    const int r = i % 10;
    std::vector<uint8_t> path;
    uint32_t reached = 0;
    if (r < 6) path.push_back(0), reached |= 1;
    if (r < 3) path.push_back(1), reached |= 2;
    if (r < 1) path.push_back(2), reached |= 4;
    wire::SummaryT s = FullSummary(config, path, reached, r < 1, rng());
    if (ldp) {
      s = Stripped(s, config, rng(), 1);
    } else {
      s.ldp_epsilon = 0;
    }
    const std::vector<uint8_t> bytes = EncodeSummary(s);
    auto v = VerifySummary(bytes, ldp ? &config : nullptr);
    EXPECT_TRUE(v.ok()) << v.message();
    EXPECT_TRUE(aggregate.Add(*v.value()).ok());
  };
  for (int i = 0; i < ldp_sessions; ++i) play(i, true);
  for (int i = 0; i < exact_sessions; ++i) play(i, false);
  EXPECT_EQ(aggregate.sessions(), static_cast<uint64_t>(exact_sessions));
  ASSERT_EQ(aggregate.ldp().entries.size(), 1u);
  EXPECT_EQ(aggregate.ldp().entries[0].second.sessions, static_cast<uint64_t>(ldp_sessions));

  auto copy = Aggregate::Deserialize(aggregate.Serialize());
  ASSERT_TRUE(copy.ok()) << copy.message();
  EXPECT_TRUE(copy.value() == aggregate);

  auto report = BuildReport(copy.value(), config);
  ASSERT_TRUE(report.ok()) << report.message();
  const LdpReport& ldp = report.value().ldp;
  EXPECT_EQ(ldp.sessions, static_cast<uint64_t>(ldp_sessions));
  EXPECT_EQ(ldp.exact_sessions, static_cast<uint64_t>(exact_sessions));
  const double total = ldp_sessions + exact_sessions;
  const double truth[] = {0.6, 0.3, 0.1, 0.0, 0.6, 0.3, 0.1};
  for (size_t bit = 0; bit < 7; ++bit) {
    const EstimateRow& row = bit < 4 ? ldp.micros[bit] : ldp.steps[bit - 4];
    ASSERT_FALSE(row.suppressed);
    const double sd = (row.ci_high - row.ci_low) / (2 * 1.96);
    // Four SDs, and the interval is about as wide as theory says.
    EXPECT_NEAR(row.count, truth[bit] * total, std::max(4 * sd, 1.0)) << bit;
    EXPECT_EQ(row.exact, static_cast<uint64_t>(truth[bit] * exact_sessions)) << bit;
    EXPECT_NEAR(row.rate, truth[bit], 0.03) << bit;
  }
  const std::string json = RenderReportJson(report.value());
  EXPECT_NE(json.find("\"ldp\": {"), std::string::npos);
  EXPECT_NE(json.find("\"estimate\": true"), std::string::npos);
  // The CSV (the dashboard's download) carries the estimates with the
  // JSON's values: counts and intervals with one decimal, rates four.
  const nlohmann::json parsed = nlohmann::json::parse(json);
  const std::string csv = RenderReportCsv(report.value(), "2024-10-04", "2024-10-04");
  EXPECT_NE(csv.find("\r\nLocal differential privacy (estimates)\r\nLDP sessions,Exact sessions,"
                     "Epsilons\r\n20000,3000,1\r\n"),
            std::string::npos)
      << csv;
  for (const char* key : {"micros", "steps"}) {
    for (const nlohmann::json& row : parsed.at("ldp").at(key)) {
      std::string line = "\r\n" + row.at("id").get<std::string>() + "," +
                         row.at("label").get<std::string>() + "," +
                         (row.contains("step") ? row.at("step").dump() : "");
      for (const char* figure :
           {"count", "ci_low", "ci_high", "rate", "rate_low", "rate_high", "exact"}) {
        line += "," + row.at(figure).dump();
      }
      EXPECT_NE(csv.find(line + "\r\n"), std::string::npos) << line << "\n" << csv;
    }
  }

  // An LDP session taken back leaves the aggregate as it was.
  wire::SummaryT s = FullSummary(config, {0}, 1, false, 3);
  s = Stripped(s, config, 4, 1);
  const std::vector<uint8_t> bytes = EncodeSummary(s);
  const std::vector<uint8_t> before = aggregate.Serialize();
  ASSERT_TRUE(aggregate.Add(*wire::GetSummary(bytes.data())).ok());
  ASSERT_TRUE(aggregate.Remove(*wire::GetSummary(bytes.data())).ok());
  EXPECT_EQ(aggregate.Serialize(), before);
}

}  // namespace
}  // namespace microconv
