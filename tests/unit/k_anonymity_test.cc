// k-anonymity sweep (SPEC section 7): a report over realistic, varied
// sessions must show no cell backed by 1..k-1 sessions. Which sessions back
// a cell is measured from outside the report code, by leaving each session
// out in turn: the sessions whose removal changes a cell are the ones behind
// it. A cell is an object in an array (a segment row, page, path, next
// action, form field, histogram bucket, day...) or a number in an array (a
// heat-map cell, a scroll-reach bucket).
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/aggregate.h"
#include "core/report.h"
#include "core/report_json.h"
#include "core/summary.h"
#include "tests/support/event_stream.h"

#define JSON_NOEXCEPTION
#include <nlohmann/json.hpp>

namespace microconv {
namespace {

using nlohmann::json;

Config DemoConfig() {
  const std::string bytes =
      testing::ReadFileOrEmpty(std::string(MICROCONV_SOURCE_DIR) + "/tests/golden/demo.mcc");
  auto config =
      Config::FromCompiled({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  EXPECT_TRUE(config.ok()) << config.message();
  return std::move(config).value();
}

// One random visit of the demo store in the event-stream text form: a
// common journey prefix, then a random tail of rare pages, clicks, scrolls,
// form fields and goals, so that many cells end up with one or two sessions.
std::string RandomVisit(std::mt19937& rng, int index) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const char* langs[] = {"en-US", "de-DE", "fr-FR", "ja-JP"};
  const char* zones[] = {"America/New_York", "Europe/Berlin", "Europe/Paris", "Asia/Tokyo"};
  const char* agents[] = {
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
      "Safari/537.36",
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
      "Gecko) Version/17.1 Mobile/15E148 Safari/604.1"};
  const char* referrers[] = {"https://www.google.com/", "https://news.example/",
                             "https://rare-blog.example/post"};
  // Three days, so that day rows exist with few sessions.
  const int64_t start = 1700000000000 + int64_t{86400000} * pick(3) + index * 1000;
  std::string s = "start nonce=" + std::to_string(1000 + index) +
                  " start_ms=" + std::to_string(start) +
                  " width=" + std::to_string(360 + 540 * pick(3)) + " pointer=fine\n";
  s += std::string("ua ") + agents[pick(3)] + "\nlang " + langs[pick(4)] + "\ntz " +
       zones[pick(4)] + "\nreferrer " + referrers[pick(3)] + "\nhost shop.example\n";
  int64_t t = 0;
  auto at = [&](int64_t step) {
    t += step;
    return "@" + std::to_string(t) + " ";
  };
  s += at(0) + "page /\n";
  s += at(500 + pick(5000)) + "scroll " + std::to_string(10 * pick(11)) + "\n";
  s += at(300) + "click " + std::to_string(pick(1440)) + " " + std::to_string(pick(2000)) +
       " 1440 2200 header>a#signin-link\n";
  const int depth = 1 + pick(7);  // 1..7 journey pages: about 1 in 7 buys
  const char* journey[] = {
      "/department/electronics", "/category/headphones", "/product/aurora-x2", "/cart",
      "/checkout/shipping",      "/checkout/payment",    "/order/100234"};
  for (int i = 0; i < depth && i < 7; ++i) {
    s += at(1000 + pick(60000)) + "page " + journey[i] + "\n";
    s += at(200 + pick(2000)) + "input\n";
    if (pick(2) == 0) s += at(100) + "scroll " + std::to_string(10 * pick(11)) + "\n";
    if (i == 2 && pick(2) == 0) {
      // The add-to-cart button, a call to action, in view for a second.
      s += at(100) + "visible [data-mc=add-to-cart] 1\n" + at(1200) + "advance\n";
    }
    if (i == 2 && pick(4) != 0) {
      s += at(500) + "click 1010 520 1440 3600 button#add-to-cart\n";
      s += "@" + std::to_string(t) + " match [data-mc=add-to-cart]\n";
    }
    if (i == 3) {
      s += at(500) + "click 1180 640 1440 1600 a#proceed-to-checkout\n";
      s += "@" + std::to_string(t) + " match [data-mc=checkout]\n";
    }
    if (i == 4) {
      s += at(300) + "form_start shipping\n";
      s += at(100) + "focus shipping name\n" + at(2000 + pick(9000)) + "change shipping name\n";
      s += at(100) + "blur shipping name\n";
      if (pick(3) == 0) s += at(100) + "focus shipping rare_field" + std::to_string(index) + "\n";
      if (depth > 5) s += at(300) + "form_submit shipping\n";
    }
    if (i == 5) {
      s += at(300) + "form_start payment\n";
      s += at(100) + "focus payment card\n" + at(1000 + pick(20000)) + "change payment card\n";
      s += at(100) + "blur payment card\n";
      if (depth > 6) s += at(300) + "form_submit payment\n";
    }
    if (i == 6) {
      // The configured value, the event's own, or another currency.
      const int kind = pick(4);
      s += at(400) + "datalayer purchase" +
           (kind == 0   ? std::string()
            : kind == 3 ? " 5000 EUR"
                        : " " + std::to_string(1000 + pick(90000)) + " USD") +
           "\n";
    }
  }
  // A rare tail: pages, elements, goals and rage clicks only a few do.
  if (pick(4) == 0) s += at(2000) + "page /blog/rare-post-" + std::to_string(pick(3)) + "\n";
  if (pick(4) == 0) s += at(800) + "custom wishlist\n";
  if (pick(5) == 0) {
    for (int c = 0; c < 3; ++c) s += at(150) + "click 40 40 1440 2200 main>div#rare-box\n";
  }
  if (pick(5) == 0) s += at(300) + "dead main>img#rare-img" + std::to_string(pick(2)) + "\n";
  s += at(1000 + pick(30000)) + "page_hidden\n";
  return s;
}

std::vector<std::vector<uint8_t>> Visits(const Config& config, int count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<uint8_t>> out;
  for (int i = 0; i < count; ++i) {
    auto stream = testing::ParseEventStream(RandomVisit(rng, i), config);
    EXPECT_TRUE(stream.ok()) << stream.message();
    out.push_back(testing::RunToSummary(stream.value(), config));
  }
  return out;
}

json ReportJson(const Config& config, const std::vector<std::vector<uint8_t>>& summaries, int skip,
                int k) {
  Aggregate aggregate(config);
  for (int i = 0; i < static_cast<int>(summaries.size()); ++i) {
    if (i == skip) continue;
    auto verified = VerifySummary(summaries[i], &config);
    EXPECT_TRUE(verified.ok()) << verified.message();
    EXPECT_TRUE(aggregate.Add(*verified.value()).ok());
  }
  ReportOptions options;
  options.k_anonymity = k;
  auto report = BuildReport(aggregate, config, options);
  EXPECT_TRUE(report.ok()) << report.message();
  return json::parse(RenderReportJson(report.value()), nullptr, false);
}

// The label an array element is known by, so a row is followed by name
// across reports whose order differs; the index for plain numbers.
std::string Key(const json& element, size_t index) {
  if (element.is_object()) {
    // Heat-map entries: one per template and device class.
    if (element.contains("device")) {
      return "page=" + element["page"].dump() + ",device=" + element["device"].dump();
    }
    for (const char* field : {"id", "value", "page", "element", "field", "action", "date",
                              "selector", "micro", "dimension", "label", "low_s"}) {
      if (element.contains(field)) return std::string(field) + "=" + element[field].dump();
    }
    if (element.contains("steps") && element["steps"].is_array()) {
      return "steps=" + element["steps"].dump();
    }
  }
  return "#" + std::to_string(index);
}

// Every cell of a report: path -> its JSON.
void Cells(const json& node, const std::string& path, std::map<std::string, json>& out) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      // Revenue is a cell of its own inside its row: it is backed by the
      // row's buyers, not by all of its sessions.
      if (it.key() == "revenue" && it->is_object()) out[path + ".revenue"] = *it;
      Cells(*it, path + "." + it.key(), out);
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string cell = path + "[" + Key(node[i], i) + "]";
      if (node[i].is_object() || node[i].is_number()) out[cell] = node[i];
      Cells(node[i], cell, out);
    }
  }
}

// True when a cell shows anything: a non-zero number anywhere inside it
// that is not a label, and it is not marked suppressed.
bool Shows(const json& cell) {
  if (cell.is_number()) return cell.get<double>() != 0;
  if (!cell.is_object()) return false;
  if (cell.value("suppressed", false)) return false;
  for (auto it = cell.begin(); it != cell.end(); ++it) {
    if (it.key() == "low_s" || it.key() == "high_s") continue;  // the bucket's label
    if (it->is_number() && it->get<double>() != 0) return true;
  }
  return false;
}

void ExpectNoSmallCells(int sessions, int k, uint32_t seed) {
  const Config config = DemoConfig();
  const auto summaries = Visits(config, sessions, seed);
  std::map<std::string, json> full;
  Cells(ReportJson(config, summaries, -1, k), "", full);
  ASSERT_GT(full.size(), 50u);
  std::map<std::string, int> backing;
  for (int i = 0; i < sessions; ++i) {
    std::map<std::string, json> without;
    Cells(ReportJson(config, summaries, i, k), "", without);
    for (const auto& [path, cell] : full) {
      auto other = without.find(path);
      if (other == without.end() || other->second != cell) ++backing[path];
    }
  }
  int shown = 0, small_cells = 0, scroll_maps = 0, calls_to_action = 0;
  for (const auto& [path, cell] : full) {
    if (!Shows(cell)) continue;
    ++shown;
    scroll_maps += path.rfind(".heatmap.scroll_maps[", 0) == 0;
    calls_to_action += path.rfind(".calls_to_action[", 0) == 0;
    const int n = backing[path];
    if (n > 0 && n < k) {
      ++small_cells;
      ADD_FAILURE() << path << " is backed by " << n << " session(s) < k = " << k << ": "
                    << cell.dump();
    }
  }
  EXPECT_EQ(small_cells, 0);
  EXPECT_GT(shown, 20) << "the sweep must see real cells, not an empty report";
  // Issue 13 point 4's cells are swept too: per device class scroll maps and
  // the call to action's row.
  EXPECT_GT(scroll_maps, 0);
  EXPECT_GT(calls_to_action, 0);
}

TEST(KAnonymitySweep, NoCellBackedByFewerThanKSessionsK3) { ExpectNoSmallCells(60, 3, 7); }
TEST(KAnonymitySweep, NoCellBackedByFewerThanKSessionsK5) { ExpectNoSmallCells(60, 5, 11); }
TEST(KAnonymitySweep, NoCellBackedByFewerThanKSessionsK10) { ExpectNoSmallCells(80, 10, 13); }

// Only 1..k-1 sessions are withheld: an empty row (an "(other)" row with
// nothing in it, a form nobody started) shows its zeros. It was marked
// suppressed, even at k = 1, and the dashboard told the reader that a few
// sessions were hidden there.
TEST(KAnonymityTest, EmptyRowsShowZeroNotHidden) {
  const Config config = DemoConfig();
  const json report = ReportJson(config, Visits(config, 12, 5), -1, 1);
  ASSERT_TRUE(report.is_object());
  std::vector<json> rows;
  for (const char* key : {"other_pages", "other_elements", "other_paths"}) {
    if (report.contains(key)) rows.push_back(report.at(key));
  }
  for (const json& table : report.value("segments", json::array())) {
    rows.push_back(table.value("other", json::object()));
  }
  for (const json& form : report.value("forms", json::array())) {
    rows.push_back(form);
    for (const json& field : form.value("fields", json::array())) rows.push_back(field);
  }
  int empty = 0;
  for (const json& row : rows) {
    EXPECT_FALSE(row.value("suppressed", false)) << "k = 1 withholds nothing: " << row.dump();
    if (row.value("sessions", row.value("started", -1)) == 0) ++empty;
  }
  EXPECT_GT(empty, 0) << "the report must hold an empty row to check";
}

TEST(KRunsTest, MergesSmallBucketsIntoRunsOfAtLeastK) {
  const uint64_t counts[] = {0, 2, 0, 1, 5, 1, 0, 1};
  const auto runs = KRuns(counts, 3);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].first, 1u);
  EXPECT_EQ(runs[0].last, 3u);
  EXPECT_EQ(runs[0].count, 3u);
  // 5 closes a run on its own; the remainder (1 + 1) joins it.
  EXPECT_EQ(runs[1].first, 4u);
  EXPECT_EQ(runs[1].last, 7u);
  EXPECT_EQ(runs[1].count, 7u);
  EXPECT_TRUE(KRuns(counts, 11).empty());
  EXPECT_EQ(KRuns(counts, 1).size(), 5u);
}

}  // namespace
}  // namespace microconv
