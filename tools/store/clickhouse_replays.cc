// ClickHouseStore's journey replays (issue 13 point 3), with SqliteStore's
// semantics (sqlite_store.cc ListReplays / ReplaySession). The index is
// three columns of the sessions row (replay, replay_outcome, replay_drops,
// written by Put from StoredSummary::replay), not a table of its own: FINAL
// keeps the newest version of a session, so a newer seq replaces the
// outcome, a re-flush without a replay unlists the session, and retention,
// site deletion and zone moves take the replay with its session.
#include <algorithm>
#include <future>
#include <string>
#include <utility>

#include "tools/store/clickhouse_store.h"

namespace microconv {
namespace {

// A funnel list's first batch of rows (see ListReplays).
constexpr uint32_t kFirstFunnelBatch = 1'000;

// The filter must see only the newest version of each session, and a
// PREWHERE runs before FINAL picks it: an explicit `PREWHERE replay = 1`
// listed a superseded version on 18.16. 18.16 does not move conditions
// into PREWHERE under FINAL by itself; this keeps any version from it.
constexpr std::string_view kAfterFinal = "optimize_move_to_prewhere=0";

// "(day, nonce) after the cursor", nonces compared as Int64: the order
// SqliteStore gives (nonces stored bit-cast signed) and ForEachSession's.
std::string AfterSql(const std::optional<std::pair<uint32_t, uint64_t>>& after) {
  if (!after.has_value()) return "";
  const std::string day = std::to_string(after->first);
  const std::string nonce = std::to_string(static_cast<int64_t>(after->second));
  return " AND (day > " + day + " OR (day = " + day + " AND toInt64(nonce) > " + nonce + "))";
}

}  // namespace

Result<ReplayPage> ClickHouseStore::ListReplays(std::string_view site, uint32_t first_day,
                                                uint32_t last_day, const ReplayFilter& filter,
                                                std::optional<std::pair<uint32_t, uint64_t>> after,
                                                uint32_t limit) {
  using R = Result<ReplayPage>;
  if (Status size = CheckReplayPageSize(limit); !size.ok()) return R(size.error, size.message);
  const std::string replays = " FROM " + db_ + ".sessions FINAL WHERE site = " + SqlString(site) +
                              " AND day BETWEEN " + std::to_string(first_day) + " AND " +
                              std::to_string(last_day) + " AND replay = 1";
  ReplayPage page;
  uint64_t sampled = 0;
  // The count beside the first page's read (one round trip of wait). No
  // common snapshot, unlike SQLite's transaction: a Put between the two
  // can make `sampled` and the rows differ by that Put's replays.
  auto counted = std::async(std::launch::async, [&] {
    return node_->Stream(
        "SELECT count()" + replays + " FORMAT RowBinary", "8",
        [&](RowBinaryReader& row) {
          sampled = row.Int<uint64_t>();
          return true;
        },
        kAfterFinal);
  });
  // The outcome bits in SQL, as SqliteStore does; a funnel's drop step
  // by Matches on the rows read.
  const std::string outcome = filter.outcome == 0 ? ""
                                                  : " AND bitAnd(replay_outcome, " +
                                                        std::to_string(filter.outcome) + ") != 0";
  // Without a funnel the SQL filter is the whole filter: limit + 1 rows
  // say whether more match. With one, batches grow tenfold from
  // kFirstFunnelBatch to max_funnel_batch_: a funnel most replays dropped
  // off fills a page from the first, one that none did reads the range in
  // a few queries (each is a FINAL pass over the range's sessions).
  uint32_t batch =
      filter.funnel.has_value() ? std::min(kFirstFunnelBatch, max_funnel_batch_) : limit + 1;
  std::vector<ReplayRow> rows;
  Status read;
  for (;; batch = std::min(batch * 10, max_funnel_batch_)) {
    uint32_t rows_read = 0;
    read = node_->Stream(
        "SELECT day, nonce, replay_outcome, replay_drops" + replays + outcome + AfterSql(after) +
            " ORDER BY day, toInt64(nonce) LIMIT " + std::to_string(batch) + " FORMAT RowBinary",
        "484s",
        [&](RowBinaryReader& reader) {
          ++rows_read;
          ReplayRow row;
          row.day = reader.Int<uint32_t>();
          row.nonce = reader.Int<uint64_t>();
          row.outcome = reader.Int<uint32_t>();
          row.drops = ParseDrops(std::string(reader.Text()));
          after.emplace(row.day, row.nonce);
          if (!Matches(filter, row.outcome, row.drops)) return true;
          // One match past a full page is all `more` needs: the rest of
          // the batch is not read (that costs the connection, not a query).
          page.more = rows.size() == limit;
          if (!page.more) rows.push_back(std::move(row));
          return !page.more;
        },
        kAfterFinal);
    if (!read.ok() || page.more || rows_read < batch) break;
  }
  Status count = counted.get();
  if (!read.ok()) return R(read.error, read.message);
  if (!count.ok()) return R(count.error, count.message);
  page.sampled = sampled;
  page.rows = std::move(rows);
  return R(std::move(page));
}

Result<std::optional<StoredSummary>> ClickHouseStore::ReplaySession(std::string_view site,
                                                                    uint64_t nonce) {
  using R = Result<std::optional<StoredSummary>>;
  // The newest version (no FINAL: the highest seq of the session's rows);
  // the session is one shard's rows of the site, found as StoredSeq finds it.
  StoredSummary row;
  bool found = false, sampled = false;
  Status read = node_->Stream(
      "SELECT seq, day, config_hash, received_at, summary, "
      "toUInt32(replay) FROM " +
          db_ + ".sessions WHERE site = " + SqlString(site) +
          " AND nonce = " + std::to_string(nonce) + " ORDER BY seq DESC LIMIT 1 FORMAT RowBinary",
      "4448s4", [&](RowBinaryReader& reader) {
        found = true;
        ReadStoredColumns(reader, row);
        sampled = reader.Int<uint32_t>() != 0;
        return true;
      });
  if (!read.ok()) return R(read.error, read.message);
  if (!found || !sampled) return R(std::optional<StoredSummary>());
  row.site = std::string(site);
  row.nonce = nonce;
  return R(std::optional<StoredSummary>(std::move(row)));
}

}  // namespace microconv
