// Upgrades: stores written by earlier releases (tests/integration/fixtures,
// see their README) open with this build, migrate once, logged, and report
// the same numbers the earlier release reported; a newer schema is refused
// and left untouched.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "command_run.h"
#include "tools/store/store_schema.h"

namespace microconv::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string kFixtures = std::string(MICROCONV_SOURCE_DIR) + "/tests/integration/fixtures";

int64_t UserVersion(const std::string& path, int64_t set = -1) {
  sqlite3* db = nullptr;
  int64_t version = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    if (set >= 0) {
      sqlite3_exec(db, ("PRAGMA user_version=" + std::to_string(set)).c_str(), nullptr, nullptr,
                   nullptr);
    }
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      version = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return version;
}

// Where `now` fails to report a value of `before` ("" when it reports them
// all): keys a later release added are not compared, and an array of
// objects may gain entries (the heatmap's per-device pages) as long as the
// earlier ones are still there, in order.
// Whether every number in `value` is 0.
bool AllZero(const json& value) {
  if (value.is_number()) return value == 0;
  if (value.is_structured()) {
    for (const auto& item : value) {
      if (!AllZero(item)) return false;
    }
  }
  return true;
}

std::string FirstDifference(const json& before, const json& now, const std::string& where) {
  if (before.is_object()) {
    if (!now.is_object()) return where + ": not an object";
    // Earlier releases marked a row with no sessions "suppressed", even at
    // k = 1; it now shows its zeros (only 1..k-1 sessions are withheld).
    if (before.value("suppressed", false) && !now.value("suppressed", false)) {
      if (!AllZero(now)) return where + ": withheld before, now not empty";
      json rest = before;
      rest.erase("suppressed");
      return FirstDifference(rest, now, where);
    }
    for (const auto& [key, value] : before.items()) {
      if (!now.contains(key)) return where + "." + key + ": missing";
      std::string found = FirstDifference(value, now.at(key), where + "." + key);
      if (!found.empty()) return found;
    }
    return "";
  }
  if (before.is_array()) {
    if (!now.is_array()) return where + ": not an array";
    const bool of_objects = !before.empty() && before[0].is_object();
    if (!of_objects && before.size() != now.size()) return where + ": another length";
    size_t next = 0;
    for (size_t i = 0; i < before.size(); ++i) {
      const std::string at = where + "[" + std::to_string(i) + "]";
      if (!of_objects) {
        std::string found = FirstDifference(before[i], now[i], at);
        if (!found.empty()) return found;
        continue;
      }
      while (next < now.size() && !FirstDifference(before[i], now[next], at).empty()) ++next;
      if (next == now.size()) return at + ": no entry reports it";
      ++next;
    }
    return "";
  }
  if (before != now) return where + ": " + before.dump() + " became " + now.dump();
  return "";
}

class StoreUpgradeTest : public ::testing::TestWithParam<int> {
 protected:
  // The fixture of schema `schema` copied to a temp dir (tests never write
  // the committed files).
  std::string CopyFixture(int schema) {
    const fs::path from = kFixtures + "/store_v" + std::to_string(schema);
    fs::copy(from, dir_.path(), fs::copy_options::recursive);
    return dir_.path() + "/store.sqlite";
  }
  CommandRun Report(const std::string& store) {
    const json range = json::parse(ReadFileText(dir_.path() + "/query.json"));
    return RunCommand(MICROCONV_BINARY,
                      {"report", "--store", "sqlite:" + store, "--sites", dir_.path() + "/sites",
                       "--site", "demo", "--from", range.at("from").get<std::string>(), "--to",
                       range.at("to").get<std::string>(), "--format", "json", "--k", "1"},
                      dir_.path());
  }

  TempDir dir_;
};

TEST_P(StoreUpgradeTest, OpensMigratesAndReportsTheSameNumbers) {
  const int schema = GetParam();
  const std::string store = CopyFixture(schema);
  ASSERT_EQ(UserVersion(store), schema);
  const json before = json::parse(ReadFileText(dir_.path() + "/report.json"));
  ASSERT_GT(before.at("engagement").at("sessions").get<int>(), 0);

  const CommandRun first = Report(store);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(UserVersion(store), kStoreSchemaVersion);
  for (int from = schema; from < kStoreSchemaVersion; ++from) {
    const std::string step =
        "schema " + std::to_string(from) + " -> " + std::to_string(from + 1) + ": ";
    EXPECT_NE(first.err.find(step), std::string::npos) << first.err;
  }
  EXPECT_EQ(FirstDifference(before, json::parse(first.out), "report"), "");

  // Migrated once: the next open logs nothing and reports the same.
  const CommandRun second = Report(store);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.err.find("schema"), std::string::npos) << second.err;
  EXPECT_EQ(second.out, first.out);
}

INSTANTIATE_TEST_SUITE_P(EarlierReleases, StoreUpgradeTest, ::testing::Values(1, 2, 3));

TEST(StoreSchemaTest, ANewStoreStartsAtTheCurrentSchemaWithoutMigrationNews) {
  TempDir dir;
  const std::string store = dir.path() + "/store.sqlite";
  { std::ofstream empty(store); }  // an empty file is an empty SQLite database
  fs::copy(kFixtures + "/store_v2/sites", dir.path() + "/sites");
  const CommandRun run = RunCommand(MICROCONV_BINARY,
                                    {"report", "--store", "sqlite:" + store, "--sites",
                                     dir.path() + "/sites", "--site", "demo", "--format", "json"},
                                    dir.path());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err.find("schema"), std::string::npos) << run.err;
  EXPECT_EQ(UserVersion(store), kStoreSchemaVersion);
}

TEST(StoreSchemaTest, ANewerSchemaIsRefusedAndLeftAsItIs) {
  TempDir dir;
  fs::copy(kFixtures + "/store_v2", dir.path(), fs::copy_options::recursive);
  const std::string store = dir.path() + "/store.sqlite";
  ASSERT_EQ(UserVersion(store, kStoreSchemaVersion + 1), kStoreSchemaVersion + 1);
  const CommandRun run = RunCommand(MICROCONV_BINARY,
                                    {"report", "--store", "sqlite:" + store, "--sites",
                                     dir.path() + "/sites", "--site", "demo", "--format", "json"},
                                    dir.path());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("is newer than this build"), std::string::npos) << run.err;
  EXPECT_EQ(UserVersion(store), kStoreSchemaVersion + 1);
}

}  // namespace
}  // namespace microconv::testing
