// History across config edits (issue 9 point 6): real summaries (the golden
// journeys run through the core with each config version) stored under one
// version and read through another, by the real collector (edit, reload,
// restart) and by the store and report runner directly where the days the
// versions became current must be chosen.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/json/config_json.h"
#include "core/report_json.h"
#include "core/summary.h"
#include "golden_days.h"
#include "server_process.h"
#include "tests/support/event_stream.h"
#include "tools/store/report_runner.h"
#include "tools/store/sqlite_store.h"

namespace microconv::testing {
namespace {

using nlohmann::json;

std::string HexHash(uint32_t hash) {
  char text[16];
  std::snprintf(text, sizeof(text), "%08x", hash);
  return text;
}

void WriteSites(const ServerDir& dir, const json& def) {
  const std::string tmp = dir.sites() + "/demo.json.tmp";
  std::ofstream(tmp) << def.dump(2);
  std::filesystem::rename(tmp, dir.sites() + "/demo.json");
}

// Posts journeys [first, last) of `config` on `day`: every one must be stored.
void PostJourneys(const ServerProcess& server, const Config& config, uint64_t first, uint64_t last,
                  uint32_t day) {
  for (uint64_t n = first; n < last; ++n) {
    auto res = server.Post(Journey(config, kJourneys[n % 4], 0x1000 + n, day));
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 202) << "journey " << n << ": " << res->body;
  }
}

std::string ApiReport(const ServerProcess& server, const std::string& range) {
  auto res = server.Client().Get("/api/report/demo?" + range);
  EXPECT_TRUE(res);
  if (!res) return "";
  EXPECT_EQ(res->status, 200) << res->body;
  return res->body;
}

// v2 of the demo config: every micro-conversion and funnel in reverse order
// (every index moves; funnels name micro-conversions by id in JSON) and
// labels rewritten. Nothing a report counts changed.
json ReorderedAndRelabeled() {
  json def = DemoJson();
  std::reverse(def["micro_conversions"].begin(), def["micro_conversions"].end());
  std::reverse(def["funnels"].begin(), def["funnels"].end());
  for (json& micro : def["micro_conversions"])
    micro["label"] = "v2 " + micro["label"].get<std::string>();
  def["funnels"][0]["label"] = "Newsletter (renamed)";
  def["funnels"][1]["steps"][3]["label"] = "Product page";
  return def;
}

// The collector after a deploy of a reordered, relabeled config, and after
// a restart: summaries of the old config keep arriving (open tabs) and are
// stored and counted under the right ids. The report equals, byte for byte,
// the report of the same sessions all recorded with the new config.
TEST(ConfigHistoryTest, CollectorCountsOldConfigSummariesUnderTheRightIds) {
  const Config v1 = Load(DemoJson());
  const Config v2 = Load(ReorderedAndRelabeled());
  ASSERT_NE(v1.hash(), v2.hash());
  const uint32_t day = kDay0;
  const std::string range = "from=" + DateOfDay(day) + "&to=" + DateOfDay(day) + "";

  ServerDir mixed_dir;
  std::string mixed;
  {
    ServerProcess server(mixed_dir, {"--rate", "0", "--k", "1"});
    ASSERT_TRUE(server.Start()) << server.LogText();
    ASSERT_NO_FATAL_FAILURE(PostJourneys(server, v1, 0, 8, day));
    WriteSites(mixed_dir, ReorderedAndRelabeled());
    server.Signal(SIGHUP);
    // The reload is done when the compiled config served is v2's.
    for (int i = 0; i < 100; ++i) {
      auto res = server.Client().Get("/config/demo.mcc");
      if (res && res->get_header_value("ETag").find(HexHash(v2.hash())) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_NO_FATAL_FAILURE(PostJourneys(server, v2, 8, 12, day));
    server.Signal(SIGTERM);
    ASSERT_EQ(server.Wait(10000), 0);
  }
  {
    // After a restart: a tab still running v1 flushes.
    ServerProcess server(mixed_dir, {"--rate", "0", "--k", "1"});
    ASSERT_TRUE(server.Start()) << server.LogText();
    ASSERT_NO_FATAL_FAILURE(PostJourneys(server, v1, 12, 16, day));
    mixed = ApiReport(server, range);
  }

  ServerDir v2_dir;
  WriteSites(v2_dir, ReorderedAndRelabeled());
  ServerProcess server(v2_dir, {"--rate", "0", "--k", "1"});
  ASSERT_TRUE(server.Start()) << server.LogText();
  ASSERT_NO_FATAL_FAILURE(PostJourneys(server, v2, 0, 16, day));
  const std::string all_v2 = ApiReport(server, range);
  ASSERT_EQ(json::parse(all_v2)["engagement"]["sessions"], 16);
  EXPECT_EQ(mixed, all_v2);
  // The sharpest ids: reordered micro-conversions in the purchase funnel.
  const json report = json::parse(mixed);
  for (const json& funnel : report["funnels"]) {
    if (funnel["id"] == "purchase") EXPECT_EQ(funnel["conversions"], 4);
  }
}

// The store and report runner with versions made current on chosen days.
class StoreHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteStore::Open(dir_.store());
    ASSERT_TRUE(store.ok()) << store.message();
    store_ = std::move(store).value();
  }

  // `config` current from the start of `day`.
  void Serve(const Config& config, uint32_t day) {
    ASSERT_TRUE(store_->RecordCurrentConfig(config, int64_t{day} * kMsPerDay + 1000).ok());
  }

  void Put(const Config& config, uint32_t day, int sessions) {
    std::vector<StoredSummary> batch;
    for (int i = 0; i < sessions; ++i) {
      StoredSummary row;
      row.site = "demo";
      row.nonce = next_nonce_++;
      row.seq = 1;
      row.day = day;
      row.config_hash = config.hash();
      row.bytes = Journey(config, kJourneys[row.nonce % 4], row.nonce, day);
      batch.push_back(std::move(row));
    }
    ASSERT_TRUE(store_->Put(batch).ok());
  }

  json Report(const Config& config, uint32_t from, uint32_t to) {
    ReportRequest request;
    request.site = "demo";
    request.from = from;
    request.to = to;
    request.options.k_anonymity = 1;
    auto report = RunReportRequest(*store_, config, request);
    EXPECT_TRUE(report.ok()) << report.message();
    return report.ok() ? json::parse(RenderReportJson(report.value())) : json();
  }

  static const json& Item(const json& report, const std::string& list, const std::string& id) {
    for (const json& item : report["history"][list]) {
      if (item["id"] == id) return item;
    }
    static const json kNone;
    ADD_FAILURE() << "no " << list << " " << id;
    return kNone;
  }

  ServerDir dir_;
  std::unique_ptr<SqliteStore> store_;
  uint64_t next_nonce_ = 0x2000;
};

// A micro-conversion added on day 2: "not tracked" (null) on days 0 and 1,
// counted from day 2, and said so; the others count on every day.
TEST_F(StoreHistoryTest, NewMicroConversionIsNotTrackedOnOldDays) {
  json old_def = DemoJson();
  auto& micros = old_def["micro_conversions"];
  micros.erase(std::remove_if(micros.begin(), micros.end(),
                              [](const json& m) { return m["id"] == "engaged"; }),
               micros.end());
  const Config v1 = Load(old_def);
  const Config v2 = Load(DemoJson());
  Serve(v1, kDay0);
  Put(v1, kDay0, 4);
  Put(v1, kDay0 + 1, 4);
  Serve(v2, kDay0 + 2);
  Put(v2, kDay0 + 2, 4);
  const json report = Report(v2, kDay0, kDay0 + 2);
  const json& engaged = Item(report, "micros", "engaged");
  EXPECT_EQ(engaged["since"], DateOfDay(kDay0 + 2));
  // purchase and dropoff_product stay 30 s on a product: 2 of every 4.
  EXPECT_EQ(engaged["sessions"], json::parse("[null, null, 2]"));
  EXPECT_EQ(Item(report, "micros", "product_view")["sessions"], json::parse("[3, 3, 3]"));
  EXPECT_TRUE(Item(report, "micros", "product_view")["since"].is_null());
  EXPECT_TRUE(report["history"]["changes"].size() == 1);
  EXPECT_EQ(report["history"]["changes"][0]["change"], "added");
  EXPECT_EQ(report["engagement"]["sessions"], 12);
}

// A funnel step added on day 1: the change is on the report's timeline, and
// the funnel counts from it (older sessions answered other steps).
TEST_F(StoreHistoryTest, FunnelStepAddedIsMarkedAndCountedFromTheChange) {
  json old_def = DemoJson();
  auto& steps = old_def["funnels"][0]["steps"];
  steps.erase(steps.begin() + 6);  // "Shipping"
  const Config v1 = Load(old_def);
  const Config v2 = Load(DemoJson());
  Serve(v1, kDay0);
  Put(v1, kDay0, 8);
  Serve(v2, kDay0 + 1);
  Put(v1, kDay0 + 1, 4);  // an old tab after the deploy
  Put(v2, kDay0 + 1, 4);
  const json report = Report(v2, kDay0, kDay0 + 1);
  ASSERT_EQ(report["history"]["changes"].size(), 1u);
  const json& change = report["history"]["changes"][0];
  EXPECT_EQ(change["date"], DateOfDay(kDay0 + 1));
  EXPECT_EQ(change["item"], "funnel");
  EXPECT_EQ(change["id"], "purchase");
  EXPECT_EQ(change["change"], "steps_changed");
  EXPECT_EQ(change["what"], "added 'Shipping'");
  const json& purchase = Item(report, "funnels", "purchase");
  EXPECT_EQ(purchase["since"], DateOfDay(kDay0 + 1));
  // 3 of 4 journeys enter the purchase funnel; 1 of 4 converts.
  EXPECT_EQ(purchase["entered"], json::parse("[null, 3]"));
  EXPECT_EQ(purchase["conversions"], json::parse("[null, 1]"));
  EXPECT_EQ(report["funnels"][0]["entered"], 3);
  // The newsletter funnel did not change: every session counts.
  EXPECT_TRUE(Item(report, "funnels", "newsletter")["since"].is_null());
  EXPECT_EQ(report["engagement"]["sessions"], 16);
}

// Summaries of a version the store never recorded stay unread (they cannot
// be translated), and reading a store through an unrecorded config works.
TEST_F(StoreHistoryTest, UnknownVersionsAreLeftOut) {
  json other = DemoJson();
  other["micro_conversions"][0]["label"] = "Unrecorded";
  const Config v1 = Load(DemoJson());
  const Config unrecorded = Load(other);
  Serve(v1, kDay0);
  Put(v1, kDay0, 4);
  Put(unrecorded, kDay0, 4);
  EXPECT_EQ(Report(v1, kDay0, kDay0)["engagement"]["sessions"], 4);
  EXPECT_EQ(Report(unrecorded, kDay0, kDay0)["engagement"]["sessions"], 8);
}

struct CheckRun {
  int exit_code = -1;
  std::string out, err;
};

// `microconv config check NEW --against OLD` on two configs written to `dir`.
CheckRun ConfigCheck(const ServerDir& dir, const std::string& new_text,
                     const std::string& old_text) {
  const std::string new_path = dir.path() + "/new.json", old_path = dir.path() + "/old.json";
  std::ofstream(new_path) << new_text;
  std::ofstream(old_path) << old_text;
  const std::string out = dir.path() + "/check.out", err = dir.path() + "/check.err";
  const std::string command = std::string("'") + MICROCONV_BINARY + "' config check '" + new_path +
                              "' --against '" + old_path + "' >'" + out + "' 2>'" + err + "'";
  const int raw = std::system(command.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, ReadFileOrEmpty(out), ReadFileOrEmpty(err)};
}

std::string Today() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return DateOfDay(
      static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::hours>(now).count() / 24));
}

TEST(ConfigCheckAgainstTest, SaysWhatEachEditDoesToHistory) {
  ServerDir dir;
  const std::string today = Today();
  const json demo = DemoJson();
  struct Case {
    const char* name;
    std::function<void(json&)> edit;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"label", [](json& d) { d["micro_conversions"][3]["label"] = "Saw a product"; },
       "micro-conversion \"product_view\" relabeled: label 'Viewed a product' -> 'Saw a "
       "product': no effect"},
      {"new id",
       [](json& d) {
         d["micro_conversions"].push_back(
             {{"id", "gift"}, {"label", "Gift wrap"}, {"kind", "custom"}, {"event", "gift"}});
       },
       "micro-conversion \"gift\" added: added 'Gift wrap': not tracked before " + today},
      {"removed id",
       [](json& d) { d["micro_conversions"].erase(d["micro_conversions"].begin() + 11); },
       "micro-conversion \"share\" removed: removed 'Shared a post': kept in history, no new data"},
      {"rule", [](json& d) { d["micro_conversions"][4]["selector"] = "#add"; },
       "micro-conversion \"add_to_cart\" rule_changed: target '[data-mc=add-to-cart]' -> '#add': "
       "counts continue, marked from " +
           today},
      {"funnel step",
       [](json& d) {
         d["funnels"][0]["steps"].push_back({{"label", "Review"}, {"micros", {"comment"}}});
       },
       "funnel \"purchase\" steps_changed: added 'Review': marked from " + today},
      {"reorder",
       [](json& d) { std::reverse(d["micro_conversions"].begin(), d["micro_conversions"].end()); },
       "micro-conversions reordered: no effect"},
      {"reused id",
       [](json& d) {
         d["micro_conversions"][11] = {{"id", "share"},
                                       {"label", "Shared a post"},
                                       {"kind", "page_view"},
                                       {"page", "/share"}};
       },
       "warning: micro-conversion \"share\" now names another kind of rule"},
      {"same", [](json&) {}, "no change to ids, labels or rules: no effect"},
  };
  for (const Case& c : cases) {
    json edited = demo;
    c.edit(edited);
    const CheckRun run = ConfigCheck(dir, edited.dump(), demo.dump());
    EXPECT_EQ(run.exit_code, 0) << c.name << ": " << run.err;
    EXPECT_NE(run.out.find(c.expected), std::string::npos) << c.name << ":\n" << run.out;
  }
  // Only the edit made is reported.
  json relabeled = demo;
  relabeled["micro_conversions"][3]["label"] = "Saw a product";
  const CheckRun label = ConfigCheck(dir, relabeled.dump(), demo.dump());
  EXPECT_EQ(label.out.find("added"), std::string::npos) << label.out;

  json invalid = demo;
  invalid["funnels"][0]["steps"][1]["micros"] = {"no_such_micro"};
  for (const auto& [new_text, old_text] :
       {std::pair{invalid.dump(), demo.dump()}, std::pair{demo.dump(), invalid.dump()}}) {
    const CheckRun run = ConfigCheck(dir, new_text, old_text);
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_NE(run.err.find("funnels[0].steps[1]"), std::string::npos) << run.err;
  }
}

}  // namespace
}  // namespace microconv::testing
