// End-to-end behaviour of `microconv serve` over real HTTP on 127.0.0.1.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/aggregate.h"
#include "core/browser_config.h"
#include "core/config.h"
#include "core/report.h"
#include "core/report_json.h"
#include "core/report_query.h"
#include "core/summary.h"
#include "journeys.h"
#include "server_process.h"
#include "tools/serve/static_files.h"

namespace microconv::testing {
namespace {

using nlohmann::json;

// The golden journeys start on 2023-11-14 and 2023-11-15 (UTC).
constexpr const char* kRange = "from=2023-11-14&to=2023-11-15";
const std::vector<std::string> kServerFlags = {"--k", "1",         "--rate", "0", "--body-timeout",
                                               "1",   "--threads", "16"};

class CollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(journeys_.ok());
    server_ = std::make_unique<ServerProcess>(dir_, kServerFlags);
    ASSERT_TRUE(server_->Start()) << server_->LogText();
  }

  std::string ReportBody(const std::string& query = kRange) {
    auto res = server_->Client().Get("/api/report/demo?" + query);
    EXPECT_TRUE(res);
    if (!res) return "";
    EXPECT_EQ(res->status, 200) << res->body;
    return res->body;
  }

  // The report without its "history" member, which the collector renders
  // last from the store's config versions (core BuildReport alone has no
  // timeline): everything else must be byte-identical to the core's.
  static std::string WithoutHistory(std::string body) {
    const size_t at = body.find(",\n  \"history\": ");
    EXPECT_NE(at, std::string::npos) << "no history in the report";
    if (at != std::string::npos) body.replace(at, body.rfind('}') - at, "\n");
    return body;
  }

  // What the core itself reports for these summaries (k = 1).
  std::string ExpectedReport(const std::vector<std::vector<uint8_t>>& summaries) {
    Aggregate aggregate(journeys_.config());
    for (const auto& bytes : summaries) {
      auto summary = VerifySummary(bytes, &journeys_.config());
      EXPECT_TRUE(summary.ok()) << summary.message();
      EXPECT_TRUE(aggregate.Add(*summary.value()).ok());
    }
    ReportOptions options;
    options.k_anonymity = 1;
    auto report = BuildReport(aggregate, journeys_.config(), options);
    EXPECT_TRUE(report.ok());
    return RenderReportJson(report.value());
  }

  void PostAccepted(const std::vector<uint8_t>& bytes) {
    auto res = server_->Post(bytes);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 202) << res->body;
  }

  Journeys journeys_;
  ServerDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(CollectorTest, IngestThenReportCountsExactlyWhatWasSent) {
  std::vector<std::vector<uint8_t>> sent;
  uint64_t nonce = 100;
  for (const auto& [journey, count] : std::vector<std::pair<std::string, int>>{
           {"purchase", 3}, {"dropoff_product", 2}, {"dropoff_shipping", 1}, {"dropoff_blog", 1}}) {
    for (int i = 0; i < count; ++i) sent.push_back(journeys_.Summary(journey, ++nonce));
  }
  for (const auto& bytes : sent) PostAccepted(bytes);

  const std::string body = ReportBody();
  EXPECT_EQ(WithoutHistory(body), ExpectedReport(sent));
  const json report = json::parse(body);
  EXPECT_EQ(report["site"], "demo");
  EXPECT_EQ(report["engagement"]["sessions"], 7);
  EXPECT_EQ(report["engagement"]["converters"], 3);
  EXPECT_EQ(report["funnels"][0]["id"], "purchase");
  EXPECT_EQ(report["funnels"][0]["conversions"], 3);
  EXPECT_EQ(server_->Metric("microconv_sessions_stored"), 7);

  // A second report is served from the cached day aggregates: same answer.
  EXPECT_EQ(ReportBody(), body);
  // A new session invalidates its day: the report moves.
  sent.push_back(journeys_.Summary("purchase", ++nonce));
  PostAccepted(sent.back());
  EXPECT_EQ(WithoutHistory(ReportBody()), ExpectedReport(sent));
  // Days outside the range hold nothing.
  const json empty = json::parse(ReportBody("from=2023-11-16&to=2023-12-01"));
  EXPECT_EQ(empty["engagement"].value("sessions", 0), 0);
  EXPECT_TRUE(empty["engagement"].value("suppressed", false));  // 0 sessions < k
  EXPECT_TRUE(empty.value("days", json::array()).empty());
}

TEST_F(CollectorTest, DailyBreakdownSplitsEachDayByTheDimension) {
  uint64_t nonce = 700;
  for (const char* journey :
       {"purchase", "purchase", "dropoff_product", "dropoff_shipping", "dropoff_blog"}) {
    PostAccepted(journeys_.Summary(journey, ++nonce));
  }
  const json report = json::parse(ReportBody(std::string(kRange) + "&daily=referrer"));
  ASSERT_FALSE(report["days"].empty());
  ASSERT_EQ(report["daily"].size(), report["days"].size());
  for (size_t d = 0; d < report["days"].size(); ++d) {
    const json& day = report["days"][d];
    const json& daily = report["daily"][d];
    EXPECT_EQ(daily["date"], day["date"]);
    EXPECT_EQ(daily["dimension"], "referrer");
    uint64_t sessions = daily["other"].value("sessions", 0);
    for (const json& row : daily["rows"]) sessions += row["sessions"].get<uint64_t>();
    EXPECT_EQ(sessions, day["sessions"].get<uint64_t>()) << daily.dump();
  }
  // Merged day by day, the rest of the report is the range's report.
  json without_daily = report;
  without_daily.erase("daily");
  const json plain = json::parse(ReportBody());
  EXPECT_FALSE(plain.contains("daily"));
  EXPECT_EQ(without_daily, plain);
}

TEST_F(CollectorTest, SameNonceManySequencesCountsOnceWithLatestContent) {
  const auto flushes = journeys_.Flushes("purchase", 0xabc, 4);
  ASSERT_EQ(flushes.size(), 4u);
  for (const auto& bytes : flushes) PostAccepted(bytes);
  EXPECT_EQ(WithoutHistory(ReportBody()), ExpectedReport({flushes.back()}));

  // An older flush arriving late is acknowledged (it is safely superseded)
  // and changes nothing.
  const std::string before = ReportBody();
  PostAccepted(flushes[1]);
  PostAccepted(flushes[0]);
  EXPECT_EQ(ReportBody(), before);
  EXPECT_EQ(server_->Metric("microconv_sessions_stored"), 1);

  // A session seen only at its first flush counts with that content.
  const auto other = journeys_.Flushes("purchase", 0xdef, 4);
  PostAccepted(other[0]);
  const json report = json::parse(ReportBody());
  EXPECT_EQ(report["engagement"]["sessions"], 2);
  EXPECT_EQ(report["engagement"]["converters"], 1);
  EXPECT_EQ(WithoutHistory(ReportBody()), ExpectedReport({flushes.back(), other[0]}));
}

TEST_F(CollectorTest, LiveStreamShowsAnIngestWithinTwoSeconds) {
  std::atomic<bool> saw_empty{false}, saw_session{false};
  std::string events;
  std::thread reader([&] {
    auto cli = server_->Client();
    cli.Get("/api/live/demo", [&](const char* data, size_t size) {
      events.append(data, size);
      if (events.find("\"active_sessions\":0") != std::string::npos) saw_empty = true;
      if (events.find("\"active_sessions\":1") != std::string::npos) saw_session = true;
      return !saw_session.load();
    });
  });
  for (int i = 0; i < 300 && !saw_empty; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(saw_empty);
  const auto posted = std::chrono::steady_clock::now();
  // A session active a minute ago: "active now" reads the summary's last
  // activity (start + duration), not its arrival.
  PostAccepted(Journeys::AtTime(journeys_.Summary("purchase", 77),
                                std::chrono::system_clock::now() - std::chrono::minutes(2),
                                std::chrono::seconds(60)));
  reader.join();
  EXPECT_TRUE(saw_session);
  EXPECT_LT(std::chrono::steady_clock::now() - posted, std::chrono::milliseconds(2500));
  EXPECT_NE(events.find("event: live\ndata: {\"site\":\"demo\""), std::string::npos) << events;
  // The purchase journey reaches the funnel's first step.
  EXPECT_NE(events.find("\"id\":\"purchase\""), std::string::npos);
  EXPECT_NE(events.find("\"entered\":1"), std::string::npos) << events;
}

TEST_F(CollectorTest, LiveStreamOfUnknownSiteIs404) {
  auto res = server_->Client().Get("/api/live/nosuchsite");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->body.rfind("unknown_site", 0), 0u) << res->body;
}

TEST_F(CollectorTest, SiteListNamesTheConfiguredSitesAndTheReportQuery) {
  auto res = server_->Client().Get("/api/sites");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  const json body = json::parse(res->body);
  EXPECT_EQ(body.at("sites"), json::array({"demo"}));
  // The dashboard reads these instead of copying them: they must be the
  // limits ParseReportQuery enforces and every name BreakdownFromName takes.
  const json& report = body.at("report");
  EXPECT_EQ(report.at("default_days"), kDefaultReportDays);
  EXPECT_EQ(report.at("max_days"), kMaxReportDays);
  EXPECT_EQ(report.at("daily_max_days"), kMaxDailyDays);
  ASSERT_EQ(report.at("breakdowns").size(), size_t(kBreakdownCount));
  for (const json& name : report.at("breakdowns")) {
    EXPECT_TRUE(BreakdownFromName(name.get<std::string>()).ok()) << name;
  }
  // The served daily limit is the one the route enforces.
  const std::string to = "2023-11-15";
  uint32_t to_day = 0;
  ASSERT_TRUE(ParseDay(to, to_day));
  const uint32_t daily_max = report.at("daily_max_days").get<uint32_t>();
  auto daily = [&](uint32_t days) {
    auto got = server_->Client().Get("/api/report/demo?daily=referrer&to=" + to +
                                     "&from=" + DateOfDay(to_day - (days - 1)));
    return got ? got->status : 0;
  };
  EXPECT_EQ(daily(daily_max), 200);
  EXPECT_EQ(daily(daily_max + 1), 400);
}

TEST_F(CollectorTest, MetricsAndHealthAnswer) {
  PostAccepted(journeys_.Summary("purchase", 5));
  auto cli = server_->Client();
  auto health = cli.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok");
  auto metrics = cli.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  const std::string& text = metrics->body;
  EXPECT_NE(text.find("microconv_http_requests_total{endpoint=\"collect\",status=\"202\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("microconv_summaries_accepted_total{effect=\"written\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("microconv_store_commit_seconds_bucket{le=\"+Inf\"}"), std::string::npos);
  EXPECT_EQ(server_->Metric("microconv_sessions_stored"), 1);
  EXPECT_EQ(server_->Metric("microconv_store_commit_seconds_count"), 1);
}

TEST_F(CollectorTest, CompiledConfigIsServedWithEtagAndCors) {
  auto cli = server_->Client();
  auto res = cli.Get("/config/demo.mcc");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  // The browser's copy of the config (core/browser_config.h): no
  // labels or page examples, the same identity.
  const auto expected = BrowserConfig(journeys_.config());
  ASSERT_TRUE(expected.ok()) << expected.message();
  EXPECT_EQ(res->body, std::string(expected.value().begin(), expected.value().end()));
  const auto served =
      Config::FromCompiled({reinterpret_cast<const uint8_t*>(res->body.data()), res->body.size()});
  ASSERT_TRUE(served.ok()) << served.message();
  EXPECT_EQ(served.value().hash(), journeys_.config().hash());
  for (const char* owners_only : {"Placed order", "Stayed 30 s on a product", "/product/aurora-x2"})
    EXPECT_EQ(res->body.find(owners_only), std::string::npos) << owners_only;
  EXPECT_NE(res->body.find("Place order"), std::string::npos) << "a funnel step's label";
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/octet-stream");
  EXPECT_EQ(res->get_header_value("Access-Control-Allow-Origin"), "*");
  // "CONFIG.BYTES": the config's hash, then the served bytes' own, so the
  // validator changes with the bytes even where the config does not.
  const std::string etag = res->get_header_value("ETag");
  char hash[16];
  std::snprintf(hash, sizeof(hash), "\"%08x.", journeys_.config().hash());
  EXPECT_EQ(etag.substr(0, 10), hash);
  const std::string bytes_etag =
      StrongEtag({reinterpret_cast<const uint8_t*>(res->body.data()), res->body.size()});
  EXPECT_EQ(etag.substr(10), bytes_etag.substr(1, 8) + "\"");
  auto again = cli.Get("/config/demo.mcc", {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  auto unknown = cli.Get("/config/other.mcc");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
}

TEST_F(CollectorTest, CollectAnswersCorsPreflight) {
  auto cli = server_->Client();
  auto res = cli.Options("/api/collect");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_EQ(res->get_header_value("Access-Control-Allow-Origin"), "*");
  EXPECT_NE(res->get_header_value("Access-Control-Allow-Methods").find("POST"), std::string::npos);
  auto post = server_->Post(journeys_.Summary("purchase", 9));
  ASSERT_TRUE(post);
  EXPECT_EQ(post->get_header_value("Access-Control-Allow-Origin"), "*");
}

TEST_F(CollectorTest, ReportRejectsBadParameters) {
  auto cli = server_->Client();
  struct Case {
    std::string query;
    int status;
  };
  for (const Case& c : std::vector<Case>{
           {"/api/report/nosuchsite", 404},
           {"/api/report/demo?from=2023-13-01&to=2023-12-01", 400},
           {"/api/report/demo?from=2023-02-29&to=2023-03-01", 400},
           {"/api/report/demo?from=2023-11-15&to=2023-11-14", 400},
           {"/api/report/demo?from=1990-01-01&to=2023-11-14", 400},
           {"/api/report/demo?from=2023-11-14&to=2023-11-15&funnel=nope", 400},
           {"/api/report/demo?from=2023-11-14&to=2023-11-15&breakdown=shoe_size", 400},
           {"/api/report/demo?from=2023-11-14&to=2023-11-15&funnel=purchase", 200},
           {"/api/report/demo?from=2023-11-14&to=2023-11-15&breakdown=device", 200},
           {"/api/report/demo?from=2023-11-14&to=2023-11-15&daily=all", 400},
           {"/api/report/demo?from=2023-11-14&to=2023-11-15&daily=shoe_size", 400},
           {"/api/report/demo?from=2023-08-01&to=2023-11-15&daily=referrer", 400},
           {"/api/report/demo?from=2023-11-14&to=2023-11-15&daily=country", 200},
           {"/api/report/demo", 200},
       }) {
    auto res = cli.Get(c.query);
    ASSERT_TRUE(res) << c.query;
    EXPECT_EQ(res->status, c.status) << c.query << ": " << res->body;
    if (c.status != 200) EXPECT_FALSE(res->body.empty()) << c.query;
  }
}

TEST_F(CollectorTest, ReloadKeepsOldConfigOnErrorAndOldHashesAfterChange) {
  const std::string path = dir_.sites() + "/demo.json";
  std::string original;
  {
    std::ifstream in(path);
    original.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  auto write = [&](const std::string& text) { std::ofstream(path, std::ios::trunc) << text; };
  auto etag = [&] {
    auto res = server_->Client().Get("/config/demo.mcc");
    return res ? res->get_header_value("ETag") : std::string();
  };
  const std::string first = etag();

  // A broken config: logged with its field path, the old one keeps serving.
  std::string broken = original;
  broken.replace(broken.find("\"session_timeout_minutes\": 30"),
                 std::string("\"session_timeout_minutes\": 30").size(),
                 "\"session_timeout_minutes\": \"soon\"");
  write(broken);
  server_->Signal(SIGHUP);
  for (int i = 0;
       i < 100 && server_->LogText().find("session_timeout_minutes") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(server_->LogText().find("session_timeout_minutes"), std::string::npos)
      << server_->LogText();
  EXPECT_EQ(etag(), first);
  PostAccepted(journeys_.Summary("purchase", 1));

  // A valid change (picked up by the mtime poll, no signal): new hash served,
  // summaries written with the old config still verify.
  std::string changed = original;
  changed.replace(changed.find("\"session_timeout_minutes\": 30"),
                  std::string("\"session_timeout_minutes\": 30").size(),
                  "\"session_timeout_minutes\": 31");
  write(changed);
  std::string second = first;
  for (int i = 0; i < 100 && second == first; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    second = etag();
  }
  EXPECT_NE(second, first);
  PostAccepted(journeys_.Summary("purchase", 2));
}

TEST_F(CollectorTest, RateLimitPerAddressAnswers429) {
  ServerDir dir;
  ServerProcess limited(dir, {"--rate", "1", "--burst", "3"});
  ASSERT_TRUE(limited.Start()) << limited.LogText();
  const auto bytes = journeys_.Summary("purchase", 3);
  int accepted = 0, limited_count = 0;
  for (int i = 0; i < 5; ++i) {
    auto res = limited.Post(bytes);
    ASSERT_TRUE(res);
    if (res->status == 202) ++accepted;
    if (res->status == 429) {
      ++limited_count;
      EXPECT_EQ(res->body.rfind("rate_limited", 0), 0u);
    }
  }
  EXPECT_EQ(accepted, 3);
  EXPECT_EQ(limited_count, 2);
  // The client address never reaches the log (the one mention of the
  // loopback address is the listen line).
  const std::string log = limited.LogText();
  size_t mentions = 0;
  for (size_t at = log.find("127.0.0.1"); at != std::string::npos;
       at = log.find("127.0.0.1", at + 1)) {
    ++mentions;
  }
  EXPECT_EQ(mentions, 1u) << log;
}

}  // namespace
}  // namespace microconv::testing
