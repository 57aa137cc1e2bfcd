// Site time zones (issue 14 point 4) against the real collector over HTTP
// with the SQLite store: a session belongs to the site's local day of its
// start, so 23:30 UTC is the next day in Berlin, and changing the zone
// moves the stored sessions to the new zone's days. Expected days are
// worked out by hand from the published offsets (CET is UTC+1 and PST
// UTC-8 in November 2023), not by the code under test.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "command_run.h"
#include "core/calendar.h"
#include "core/json/config_json.h"
#include "core/summary.h"
#include "journeys.h"
#include "server_process.h"

namespace microconv::testing {
namespace {

using nlohmann::json;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

uint32_t Minute(unsigned month, unsigned day, int hour, int minute) {
  return static_cast<uint32_t>(DaysFromCivil({2023, month, day}) * 1440 + hour * 60 + minute);
}

class TimeZoneTest : public ::testing::Test {
 protected:
  // demo.json with its days in `zone`; returns its config hash.
  uint32_t UseZone(const std::string& zone) {
    std::string demo = Slurp(std::string(MICROCONV_SOURCE_DIR) + "/demo-site/sites/demo.json");
    const size_t brace = demo.find('{');
    demo.insert(brace + 1, "\n  \"time_zone\": \"" + zone + "\",");
    std::ofstream(dir_.sites() + "/demo.json") << demo;
    auto config = LoadConfigJson(demo);
    EXPECT_TRUE(config.ok()) << config.message();
    return config.ok() ? config.value().hash() : 0;
  }

  void Serve() {
    server_ =
        std::make_unique<ServerProcess>(dir_, std::vector<std::string>{"--k", "1", "--rate", "0"});
    ASSERT_TRUE(server_->Start()) << server_->LogText();
  }

  void Send(uint32_t config_hash, uint32_t start_minute, uint64_t nonce) {
    wire::SummaryT object;
    const std::vector<uint8_t> purchase = journeys_.Summary("purchase", nonce);
    flatbuffers::GetRoot<wire::Summary>(purchase.data())->UnPackTo(&object);
    object.config_hash = config_hash;  // the same ids: only the zone differs
    object.start_minute = start_minute;
    auto res = server_->Post(EncodeSummary(object));
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 202) << res->body;
  }

  json Report(const std::string& from, const std::string& to) {
    auto res = server_->Client().Get("/api/report/demo?from=" + from + "&to=" + to);
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body);
  }

  // date -> sessions of the report's days.
  static std::map<std::string, int> Days(const json& report) {
    std::map<std::string, int> days;
    for (const json& d : report["days"]) {
      days[d["date"].get<std::string>()] = d["sessions"].get<int>();
    }
    return days;
  }

  Journeys journeys_;
  ServerDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(TimeZoneTest, SessionsBelongToTheSitesLocalDayAndFollowAZoneChange) {
  ASSERT_TRUE(journeys_.ok());
  const uint32_t berlin = UseZone("Europe/Berlin");
  Serve();
  uint64_t nonce = 0x7200;
  // UTC start -> Berlin day (UTC+1) -> Los Angeles day (UTC-8).
  for (int i = 0; i < 3; ++i) Send(berlin, Minute(11, 14, 12, 0), ++nonce);   // 14th, 14th
  for (int i = 0; i < 2; ++i) Send(berlin, Minute(11, 14, 23, 30), ++nonce);  // 15th, 14th
  Send(berlin, Minute(11, 15, 22, 59), ++nonce);                              // 15th, 15th
  Send(berlin, Minute(11, 15, 23, 0), ++nonce);                               // 16th, 15th

  json report = Report("2023-11-14", "2023-11-15");
  EXPECT_EQ(report["time_zone"], "Europe/Berlin");
  EXPECT_EQ(report["engagement"]["sessions"], 6);
  EXPECT_EQ(Days(report), (std::map<std::string, int>{{"2023-11-14", 3}, {"2023-11-15", 3}}));
  report = Report("2023-11-16", "2023-11-16");
  EXPECT_EQ(report["engagement"]["sessions"], 1);
  // The dashboard's "today" comes from the collector, in the site's zone.
  auto sites = server_->Client().Get("/api/sites");
  ASSERT_TRUE(sites);
  const json listed = json::parse(sites->body);
  EXPECT_EQ(listed["time_zones"]["demo"], "Europe/Berlin");
  uint32_t today = 0;
  EXPECT_TRUE(ParseDay(listed["today"]["demo"].get<std::string>(), today)) << sites->body;
  EXPECT_EQ(Days(report), (std::map<std::string, int>{{"2023-11-16", 1}}));

  // The CLI reads the same store through the same config and says the zone.
  server_.reset();
  const CommandRun table =
      RunCommand(MICROCONV_BINARY,
                 {"report", "--store", "sqlite:" + dir_.store(), "--sites", dir_.sites(), "--site",
                  "demo", "--k", "1", "--from", "2023-11-16", "--to", "2023-11-16"},
                 dir_.path());
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("2023-11-16 .. 2023-11-16 (Europe/Berlin)"), std::string::npos)
      << table.out;

  // A new zone: the stored sessions move to its days, nothing stays keyed
  // by Berlin's.
  UseZone("America/Los_Angeles");
  Serve();
  report = Report("2023-11-14", "2023-11-16");
  EXPECT_EQ(report["time_zone"], "America/Los_Angeles");
  EXPECT_EQ(report["engagement"]["sessions"], 7);
  EXPECT_EQ(Days(report), (std::map<std::string, int>{{"2023-11-14", 5}, {"2023-11-15", 2}}));
  EXPECT_TRUE(Days(Report("2023-11-16", "2023-11-16")).empty());  // no session left there
  EXPECT_EQ(Report("2023-11-14", "2023-11-14")["engagement"]["sessions"], 5);
}

TEST_F(TimeZoneTest, AnUnknownZoneIsRefusedByName) {
  // A directory of the database is not a zone either (and reading it must
  // not throw).
  UseZone("Europe");
  const CommandRun directory =
      RunCommand(MICROCONV_BINARY, {"config", "check", dir_.sites() + "/demo.json"}, dir_.path());
  EXPECT_EQ(directory.exit_code, 1) << directory.err;
  EXPECT_NE(directory.err.find("time_zone: \"Europe\" is not a time zone"), std::string::npos)
      << directory.err;
  UseZone("Europe/Atlantis");
  const CommandRun check =
      RunCommand(MICROCONV_BINARY, {"config", "check", dir_.sites() + "/demo.json"}, dir_.path());
  EXPECT_NE(check.exit_code, 0);
  EXPECT_NE(check.err.find("time_zone: \"Europe/Atlantis\" is not a time zone"), std::string::npos)
      << check.err << check.out;
}

}  // namespace
}  // namespace microconv::testing
