#include "tools/store/clickhouse_store.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <deque>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "core/config_history.h"
#include "core/summary.h"
#include "tools/base/wall_clock.h"
#include "tools/base/zoneinfo.h"
#include "tools/serve/event_log.h"

namespace microconv {
namespace {

// Every request: inserts wait for every shard that owns a row (see the
// header on durability); a Put's IN lists of a 20,000-summary batch exceed
// the default 256 KiB query size.
constexpr const char* kSettings = "insert_distributed_sync=1&max_query_size=67108864";

constexpr std::string_view kDefaultCluster = "microconv";

// {db} and {cluster} are replaced; names were checked to be identifiers.
constexpr const char* kSchema[] = {
    "CREATE DATABASE IF NOT EXISTS {db}",
    R"sql(CREATE TABLE IF NOT EXISTS {db}.sessions_local (
  site String, day UInt32, nonce UInt64, seq UInt32, config_hash UInt32,
  received_at Int64, summary String,
  replay UInt8, replay_outcome UInt32, replay_drops String)
ENGINE = ReplacingMergeTree(seq) PARTITION BY intDiv(day, 32) ORDER BY (site, day, nonce))sql",
    R"sql(CREATE TABLE IF NOT EXISTS {db}.day_marks_local (
  site String, day UInt32, inserts UInt64, fingerprint UInt64)
ENGINE = SummingMergeTree((inserts, fingerprint)) ORDER BY (site, day))sql",
    R"sql(CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.day_marks_view TO {db}.day_marks_local AS
SELECT site, day, count() AS inserts, sum(cityHash64(nonce, seq)) AS fingerprint
FROM {db}.sessions_local GROUP BY site, day)sql",
    R"sql(CREATE TABLE IF NOT EXISTS {db}.day_aggregates_local (
  site String, config_hash UInt32, day UInt32, inserts UInt64, fingerprint UInt64,
  built_at Int64, unreadable UInt64, aggregate String)
ENGINE = ReplacingMergeTree(built_at) ORDER BY (site, config_hash, day))sql",
    // Rows of 256 (not 8,192): a delta row is fat (two blobs, its claims),
    // and a report's claims lookup reads the claims of the granules holding
    // its new deltas only; with 8,192 a granule held every day's rows, and
    // the lookup read every claim of the table (until merges drop the
    // cancelled rows). A store created before keeps its 8,192 (correct,
    // slower).
    R"sql(CREATE TABLE IF NOT EXISTS {db}.day_deltas_local (
  site String, config_hash UInt32, day UInt32, id UInt64, sign Int8, inserts UInt64,
  unreadable Int64, claims Array(UInt64), added String, removed String)
ENGINE = CollapsingMergeTree(sign) ORDER BY (site, config_hash, day, id)
SETTINGS index_granularity = 256)sql",
    // Every claim of the day deltas, one row each, and per delta a row of
    // claim 0 whose `ids` is the delta's id (clickhouse_day_deltas.cc): a
    // report looks up only its new deltas' claims (the key), and the day's
    // sum of ids says which deltas' claims are all there. Written by the
    // view in the delta's own INSERT (one part with the delta's claims, on
    // the delta's shard), not by the collector: no third INSERT per Put.
    // Rows of 1,024 (not 8,192): a claim looked up reads its granule, so a
    // report reads at most 1,024 rows per new claim however big the day;
    // the primary index costs ~30 B per 1,024 claims in memory.
    R"sql(CREATE TABLE IF NOT EXISTS {db}.day_claims_local (
  site String, config_hash UInt32, day UInt32, claim UInt64, n UInt64, ids UInt64)
ENGINE = SummingMergeTree((n, ids)) PARTITION BY intDiv(day, 32)
ORDER BY (site, config_hash, day, claim) SETTINGS index_granularity = 1024)sql",
    // A compacted delta (no claims of its own) and sign -1 rows write none.
    R"sql(CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.day_claims_view TO {db}.day_claims_local AS
SELECT site, config_hash, day, arrayJoin(arrayPushBack(claims, 0)) AS claim,
  if(claim = 0, length(claims), 1) AS n, if(claim = 0, id, 0) AS ids
FROM {db}.day_deltas_local WHERE length(claims) > 0)sql",
    R"sql(CREATE TABLE IF NOT EXISTS {db}.config_versions_local (
  site String, hash UInt32, first_current Int64, last_current Int64, updated_at Int64,
  compiled String)
ENGINE = ReplacingMergeTree(updated_at) ORDER BY (site, hash))sql",
    "CREATE TABLE IF NOT EXISTS {db}.sessions AS {db}.sessions_local "
    "ENGINE = Distributed({cluster}, {db}, sessions_local, cityHash64(site, nonce))",
    "CREATE TABLE IF NOT EXISTS {db}.day_marks AS {db}.day_marks_local "
    "ENGINE = Distributed({cluster}, {db}, day_marks_local, cityHash64(site, day))",
    "CREATE TABLE IF NOT EXISTS {db}.day_aggregates AS {db}.day_aggregates_local "
    "ENGINE = Distributed({cluster}, {db}, day_aggregates_local, cityHash64(site, day))",
    "CREATE TABLE IF NOT EXISTS {db}.day_deltas AS {db}.day_deltas_local "
    "ENGINE = Distributed({cluster}, {db}, day_deltas_local, cityHash64(site, day))",
    "CREATE TABLE IF NOT EXISTS {db}.day_claims AS {db}.day_claims_local "
    "ENGINE = Distributed({cluster}, {db}, day_claims_local, cityHash64(site, day))",
    "CREATE TABLE IF NOT EXISTS {db}.config_versions AS {db}.config_versions_local "
    "ENGINE = Distributed({cluster}, {db}, config_versions_local, cityHash64(site))",
};

// Columns added to sessions after the store's first release, in order: a
// store created before them gets them at Open (AddMissingColumns). Their
// defaults (0, '') read as "no replay", which is what those rows are for
// the index: the previous release kept no replay facts.
struct AddedColumn {
  const char* name;
  const char* type;
};
constexpr AddedColumn kAddedSessionColumns[] = {
    {"replay", "UInt8"}, {"replay_outcome", "UInt32"}, {"replay_drops", "String"}};

// Adds the kAddedSessionColumns that `db`.`table` lacks on `node`. 18.16
// has no ADD COLUMN IF NOT EXISTS: system.columns says which are missing,
// and an ALTER that fails because a collector opening the store at the same
// moment added them first is fine once they are all there.
Status AddMissingColumns(ClickHouseHttp& node, std::string_view db, std::string_view table) {
  auto missing = [&]() -> Result<std::vector<const AddedColumn*>> {
    auto present = node.Query("SELECT name FROM system.columns WHERE database = " + SqlString(db) +
                              " AND table = " + SqlString(table) + " FORMAT TSV");
    if (!present.ok()) return {present.error(), present.message()};
    const std::string lines = "\n" + present.value();  // each name between two '\n'
    std::vector<const AddedColumn*> absent;
    for (const AddedColumn& column : kAddedSessionColumns) {
      std::string line(1, '\n');
      line.append(column.name).push_back('\n');
      if (lines.find(line) == std::string::npos) absent.push_back(&column);
    }
    return absent;
  };
  auto absent = missing();
  if (!absent.ok()) return {absent.error(), absent.message()};
  if (absent.value().empty()) return {};
  std::string alter = "ALTER TABLE " + std::string(db) + "." + std::string(table);
  for (size_t i = 0; i < absent.value().size(); ++i) {
    alter += std::string(i == 0 ? " " : ", ") + "ADD COLUMN " + absent.value()[i]->name + " " +
             absent.value()[i]->type;
  }
  auto altered = node.Query(alter);
  if (altered.ok()) return {};
  auto after = missing();
  if (after.ok() && after.value().empty()) return {};
  return {altered.error(),
          "add replay columns to " + std::string(table) + ": " + altered.message()};
}

// A store created before day_claims: its live deltas' claims are copied in
// once, when this release first creates the table on a node (each node's
// own deltas: a day's claims live on its deltas' shard), so their days
// keep merging. A live delta is its sign 1 row (compacted ones of the
// previous release carry the claims they cover, under their own id). Not
// atomic with the view's creation: a delta written between the two is
// counted twice, and its day is rebuilt (exact) until it stops changing;
// so is a day whose claims a failed copy left out (Open fails, and the
// next Open finds the table).
constexpr const char* kClaimsBackfill = R"sql(INSERT INTO {db}.day_claims_local
  (site, config_hash, day, claim, n, ids)
SELECT site, config_hash, day, arrayJoin(arrayPushBack(c, 0)) AS claim,
  if(claim = 0, length(c), 1) AS n, if(claim = 0, id, 0) AS ids
FROM (SELECT site, config_hash, day, id, argMax(claims, sign) AS c FROM {db}.day_deltas_local
  GROUP BY site, config_hash, day, id HAVING sum(sign) > 0)
WHERE length(c) > 0)sql";

bool IsIdentifier(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

template <typename T>
Result<T> Failed(const Status& status) {
  return Result<T>(status.error, status.message);
}

// An older version of the site's config and how its ids read in `config`.
struct OtherVersion {
  Config config;
  IdTranslation translation;
};

// The table rows of ReadVersions, with the version of each.
struct VersionRow {
  StoredConfigVersion version;
  int64_t updated_at = 0;
};

// Every version of a site's config, the current one last (as SqliteStore's
// ConfigVersions orders them).
Result<std::vector<VersionRow>> ReadVersions(ClickHouseHttp& node, std::string_view db,
                                             std::string_view site) {
  std::vector<VersionRow> rows;
  const std::string sql =
      "SELECT hash, argMax(first_current, updated_at), argMax(last_current, updated_at), "
      "max(updated_at), argMax(compiled, updated_at) FROM " +
      std::string(db) + ".config_versions WHERE site = " + SqlString(site) +
      " GROUP BY hash FORMAT RowBinary";
  Status read = node.Stream(sql, "4888s", [&](RowBinaryReader& row) {
    VersionRow r;
    r.version.hash = row.Int<uint32_t>();
    r.version.first_current_ms = row.Int<int64_t>();
    r.version.last_current_ms = row.Int<int64_t>();
    r.updated_at = row.Int<int64_t>();
    const auto compiled = row.Bytes();
    r.version.compiled.assign(compiled.begin(), compiled.end());
    rows.push_back(std::move(r));
    return true;
  });
  if (!read.ok()) return Failed<std::vector<VersionRow>>(read);
  std::sort(rows.begin(), rows.end(), [](const VersionRow& a, const VersionRow& b) {
    const auto key = [](const StoredConfigVersion& v) {
      return std::tuple(v.last_current_ms == 0, v.last_current_ms, v.first_current_ms, v.hash);
    };
    return key(a.version) < key(b.version);
  });
  return rows;
}

}  // namespace

Result<std::unique_ptr<ClickHouseStore>> ClickHouseStore::Open(std::string_view url) {
  using R = Result<std::unique_ptr<ClickHouseStore>>;
  const std::string usage =
      "--store: expected clickhouse://HOST:PORT[,HOST:PORT...]/DB[?cluster=NAME]";
  const size_t slash = url.find('/');
  if (slash == std::string_view::npos) return R(Error::kInvalidConfig, usage);
  std::string_view hosts = url.substr(0, slash), rest = url.substr(slash + 1);
  std::string_view db = rest, cluster = kDefaultCluster;
  if (const size_t query = rest.find('?'); query != std::string_view::npos) {
    db = rest.substr(0, query);
    std::string_view param = rest.substr(query + 1);
    if (!param.starts_with("cluster=")) return R(Error::kInvalidConfig, usage);
    cluster = param.substr(8);
  }
  if (!IsIdentifier(db) || !IsIdentifier(cluster)) {
    return R(Error::kInvalidConfig, usage + " (DB and NAME: letters, digits, _)");
  }
  std::vector<std::unique_ptr<ClickHouseHttp>> nodes;
  while (!hosts.empty()) {
    const size_t comma = hosts.find(',');
    std::string_view node = hosts.substr(0, comma);
    hosts = comma == std::string_view::npos ? std::string_view() : hosts.substr(comma + 1);
    const size_t colon = node.rfind(':');
    int port = 0;
    if (colon == std::string_view::npos ||
        std::from_chars(node.data() + colon + 1, node.data() + node.size(), port).ec !=
            std::errc() ||
        port <= 0 || port > 65535 || colon == 0) {
      return R(Error::kInvalidConfig, usage + " (bad node \"" + std::string(node) + "\")");
    }
    nodes.push_back(
        std::make_unique<ClickHouseHttp>(std::string(node.substr(0, colon)), port, kSettings));
  }
  if (nodes.empty()) return R(Error::kInvalidConfig, usage);
  std::vector<ClickHouseHttp*> backfill_claims;  // nodes without day_claims_local until now
  for (auto& node : nodes) {
    auto declared =
        node->Query("SELECT count() FROM system.clusters WHERE cluster = " + SqlString(cluster) +
                    " FORMAT TSV");
    if (!declared.ok()) return R(declared.error(), declared.message());
    if (declared.value() == "0\n") {
      return R(Error::kInvalidConfig, "clickhouse " + node->address() + ": no cluster \"" +
                                          std::string(cluster) +
                                          "\" in its remote_servers (see README, ClickHouse)");
    }
    auto claims_table =
        node->Query("SELECT count() FROM system.tables WHERE database = " + SqlString(db) +
                    " AND name = 'day_claims_local' FORMAT TSV");
    if (!claims_table.ok()) return R(claims_table.error(), claims_table.message());
    if (claims_table.value() == "0\n") backfill_claims.push_back(node.get());
    for (const char* statement : kSchema) {
      const std::string sql =
          Replace(Replace(statement, "{db}", db), "{cluster}", std::string(cluster));
      auto created = node->Query(sql);
      if (!created.ok()) return R(created.error(), "create schema: " + created.message());
    }
  }
  for (ClickHouseHttp* node : backfill_claims) {
    auto copied = node->Query(Replace(kClaimsBackfill, "{db}", db));
    if (!copied.ok()) return R(copied.error(), "copy the day deltas' claims: " + copied.message());
  }
  // Columns added since a store was created: every listed node's local
  // table first, then the Distributed tables, so no INSERT names a column
  // a listed shard lacks.
  for (const char* table : {"sessions_local", "sessions"}) {
    for (auto& node : nodes) {
      if (Status added = AddMissingColumns(*node, db, table); !added.ok()) {
        return R(added.error, added.message);
      }
    }
  }
  std::unique_ptr<ClickHouseStore> store(new ClickHouseStore(std::move(nodes)));
  store->db_ = std::string(db);
  return R(std::move(store));
}

Result<PutOutcome> ClickHouseStore::Put(std::span<const StoredSummary> batch) {
  using R = Result<PutOutcome>;
  PutOutcome outcome;
  std::map<std::string_view, std::vector<const StoredSummary*>> by_site;
  for (const StoredSummary& s : batch) by_site[s.site].push_back(&s);
  RowBinaryWriter rows;
  // Per site, what the day deltas need: each written row with the version
  // it replaced, stored (read below) or earlier in this batch.
  struct SiteWrites {
    std::shared_ptr<const SiteReader> reader;
    std::vector<WrittenRow> written;
  };
  std::vector<SiteWrites> deltas;
  std::deque<StoredSummary> stored_versions;  // the previous versions read
  for (const auto& [site, summaries] : by_site) {
    SiteWrites& site_writes = deltas.emplace_back(SiteWrites{ReaderOf(site), {}});
    const bool with_previous = site_writes.reader != nullptr;
    // The stored seq of each session of the batch: one indexed read (the
    // day is in the key), so equal and older flushes are not written and
    // the outcome counts what SqliteStore would.
    std::set<uint32_t> days;
    std::string nonces;
    for (const StoredSummary* s : summaries) {
      days.insert(s->day);
      nonces += (nonces.empty() ? "" : ",") + std::to_string(s->nonce);
    }
    std::string day_list;
    for (uint32_t day : days) day_list += (day_list.empty() ? "" : ",") + std::to_string(day);
    // The stored versions themselves (the newest of each session) come
    // too: a newer flush keeps their element clicks of pages it no longer
    // carries (WithStoredElementClicks), and a day delta takes them back.
    std::unordered_map<uint64_t, uint32_t> stored;
    std::unordered_map<uint64_t, const StoredSummary*> newest;  // stored, then this batch's
    Status read = node_->Stream(
        "SELECT nonce, max(seq), argMax(config_hash, seq), argMax(summary, seq) FROM " + db_ +
            ".sessions WHERE site = " + SqlString(site) + " AND day IN (" + day_list +
            ") AND nonce IN (" + nonces + ") GROUP BY nonce FORMAT RowBinary",
        "844s",
        [&](RowBinaryReader& row) {
          StoredSummary& previous = stored_versions.emplace_back();
          previous.nonce = row.Int<uint64_t>();
          previous.seq = row.Int<uint32_t>();
          previous.config_hash = row.Int<uint32_t>();
          const auto bytes = row.Bytes();
          previous.bytes.assign(bytes.begin(), bytes.end());
          stored[previous.nonce] = previous.seq;
          newest[previous.nonce] = &previous;
          return true;
        },
        // A shard that is down fails only the rows
        // it owns (at the insert), not the batch.
        "skip_unavailable_shards=1");
    if (!read.ok()) return Failed<PutOutcome>(read);
    for (const StoredSummary* s : summaries) {
      auto [it, fresh] = stored.emplace(s->nonce, s->seq);
      if (!fresh) {
        if (s->seq <= it->second) {
          ++outcome.ignored;
          continue;
        }
        it->second = s->seq;
      }
      ++outcome.written;
      const StoredSummary*& previous = newest[s->nonce];
      if (previous != nullptr) {
        std::vector<uint8_t> merged =
            WithStoredElementClicks(previous->bytes, s->bytes, s->verified);
        if (!merged.empty()) {
          StoredSummary& row = stored_versions.emplace_back(*s);
          row.bytes = std::move(merged);
          row.verified = false;
          s = &row;
        }
      }
      AppendSessionRow(rows, *s);
      if (with_previous) site_writes.written.push_back({s, previous});
      previous = s;
    }
  }
  if (outcome.written == 0) return outcome;
  if (put_pause_) put_pause_();
  Status inserted = InsertSessionRows(rows);
  if (!inserted.ok()) return Failed<PutOutcome>(inserted);
  // After the rows: a delta never counts a row that is not stored. Failing
  // (or never written: a crash here), the days are rebuilt on read.
  for (const SiteWrites& site_writes : deltas) {
    if (site_writes.reader == nullptr || site_writes.written.empty()) continue;
    if (Status written = WriteDayDeltas(*site_writes.reader, site_writes.written); !written.ok()) {
      LogEvent("store: day deltas not written (those days are rebuilt on read): " +
               written.message);
    }
  }
  return R(outcome);
}

void ClickHouseStore::ReadStoredColumns(RowBinaryReader& reader, StoredSummary& row) {
  row.seq = reader.Int<uint32_t>();
  row.day = reader.Int<uint32_t>();
  row.config_hash = reader.Int<uint32_t>();
  row.received_at_ms = reader.Int<int64_t>();
  const auto bytes = reader.Bytes();
  row.bytes.assign(bytes.begin(), bytes.end());
}

void ClickHouseStore::AppendSessionRow(RowBinaryWriter& rows, const StoredSummary& s) {
  rows.String(s.site);
  rows.Int(s.day);
  rows.Int(s.nonce);
  rows.Int(s.seq);
  rows.Int(s.config_hash);
  rows.Int(s.received_at_ms);
  rows.String(std::span<const uint8_t>(s.bytes));
  // Every version carries its own replay facts: FINAL keeps the newest
  // version's, so a re-flush without a replay unlists the session.
  rows.Int(uint8_t{s.replay.has_value()});
  rows.Int(s.replay.has_value() ? s.replay->outcome : uint32_t{0});
  rows.String(s.replay.has_value() ? DropsText(s.replay->drops) : std::string());
}

Status ClickHouseStore::InsertSessionRows(RowBinaryWriter& rows) {
  return node_->Insert("INSERT INTO " + db_ +
                           ".sessions (site, day, nonce, seq, config_hash, received_at, summary, "
                           "replay, replay_outcome, replay_drops) FORMAT RowBinary",
                       rows.bytes());
}

Result<uint64_t> ClickHouseStore::ForEachDayAggregate(const Config& config, uint32_t first_day,
                                                      uint32_t last_day, const DayVisitor& visit) {
  using R = Result<uint64_t>;
  const std::string site = SqlString(config.site());
  const std::string range =
      " AND day BETWEEN " + std::to_string(first_day) + " AND " + std::to_string(last_day);
  // 1. The days with sessions and their marks, read before any session, so
  //    an aggregate built below is never newer-marked than its content
  //    (a materialized view writes its part after the sessions' part);
  //    with them (side by side), the cached aggregates built at exactly
  //    those marks.
  std::map<uint32_t, DayMarks> marks;
  std::map<uint32_t, CachedDay> cached;
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  auto since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  ReportPhases phases;
  Status read = ReadDays(config, first_day, last_day, marks, cached);
  phases.days = since(start);
  if (!read.ok()) return Failed<uint64_t>(read);
  if (marks.empty()) return R(0);

  // 2. The other days from their delta chains, where those account for
  //    the day's marks (then at the marks they account for).
  std::map<uint32_t, DayMarks> stale;
  for (const auto& [day, m] : marks) {
    if (cached.count(day) == 0) stale.emplace(day, m);
  }
  std::map<uint32_t, ChainDay> chained;
  if (!stale.empty()) {
    const Clock::time_point chains_start = Clock::now();
    auto chains = ReadDeltaChains(config, stale, phases.check);
    phases.chains = since(chains_start);
    if (!chains.ok()) return Failed<uint64_t>(Status{chains.error(), chains.message()});
    chained = std::move(chains).value();
  }

  // 3. The other days are rebuilt from their sessions (FINAL: the highest
  //    seq of each), read through `config` as SqliteStore does. The
  //    aggregates of the days rebuilt are held at once (each bounded by the
  //    aggregate's caps; a report spans at most kMaxReportDays).
  std::map<uint32_t, OtherVersion> others;
  bool others_loaded = false;
  auto load_others = [&]() -> Status {
    if (others_loaded) return {};
    others_loaded = true;
    auto versions = ReadVersions(*node_, db_, config.site());
    if (!versions.ok()) return {versions.error(), versions.message()};
    for (const VersionRow& row : versions.value()) {
      if (row.version.hash == config.hash()) continue;
      auto old = Config::FromCompiled(row.version.compiled);
      if (!old.ok()) continue;  // damaged row: its sessions stay unread
      IdTranslation translation(old.value(), config);
      others.emplace(row.version.hash,
                     OtherVersion{std::move(old).value(), std::move(translation)});
    }
    return {};
  };
  // Every day to rebuild in one query (one FINAL pass over their rows, in
  // whatever order the shards send them), one aggregate per day meanwhile:
  // a query per day cost ~0.6 s each on this machine, mostly FINAL's set-up.
  struct Build {
    Aggregate aggregate;
    uint64_t unreadable = 0;
  };
  std::map<uint32_t, Build> builds;
  std::string rebuild_days;
  for (const auto& [day, m] : marks) {
    if (cached.count(day) > 0 || chained.count(day) > 0) continue;
    builds.emplace(day, Build{Aggregate(config)});
    rebuild_days += (rebuild_days.empty() ? "" : ",") + std::to_string(day);
  }
  UnreadableCounts found;
  days_rebuilt_ += builds.size();
  const Clock::time_point rebuild_start = Clock::now();
  if (!builds.empty()) {
    if (Status loaded = load_others(); !loaded.ok()) return Failed<uint64_t>(loaded);
    read = node_->Stream(
        "SELECT day, config_hash, summary FROM " + db_ + ".sessions FINAL WHERE site = " + site +
            " AND day IN (" + rebuild_days + ") FORMAT RowBinary",
        "44s", [&](RowBinaryReader& row) {
          const auto day = row.Int<uint32_t>();
          const auto hash = row.Int<uint32_t>();
          const auto bytes = row.Bytes();
          auto build = builds.find(day);
          if (build == builds.end()) return true;
          auto count_unreadable = [&](Error error) {
            ++build->second.unreadable;
            ++found[ErrorName(error)];
          };
          // Verified at ingest; verified again so a damaged or hand-written
          // row cannot feed unchecked bytes to the aggregation.
          const Config* written_with = &config;
          const OtherVersion* other = nullptr;
          if (hash != config.hash()) {
            auto version = others.find(hash);
            if (version == others.end()) return true;  // never recorded: left out
            other = &version->second;
            written_with = &other->config;
          }
          auto summary = VerifySummary(bytes, written_with);
          if (!summary.ok()) {
            count_unreadable(summary.error());
            return true;
          }
          Status added;
          if (other == nullptr) {
            added = build->second.aggregate.Add(*summary.value());
          } else {
            const std::vector<uint8_t> translated = other->translation.Translate(*summary.value());
            added = build->second.aggregate.Add(*wire::GetSummary(translated.data()));
          }
          if (!added.ok()) count_unreadable(added.error);
          return true;
        });
    if (!read.ok()) return Failed<uint64_t>(read);
  }
  phases.rebuild = since(rebuild_start);
  uint64_t unreadable = 0;
  RowBinaryWriter rebuilt;
  const int64_t now = NowMs();
  for (const auto& [day, m] : marks) {
    if (auto hit = cached.find(day); hit != cached.end()) {
      unreadable += hit->second.unreadable;
      if (HoldsSessions(hit->second.aggregate)) visit(day, hit->second.aggregate);
      continue;
    }
    // Cached at the marks it accounts for, so the next report reads one
    // blob for the day instead of its chain.
    const DayMarks* at = &m;
    const Aggregate* aggregate = nullptr;
    uint64_t day_unreadable = 0;
    if (auto chain = chained.find(day); chain != chained.end()) {
      at = &stale.at(day);
      aggregate = &chain->second.aggregate;
      day_unreadable = chain->second.unreadable;
    } else {
      const Build& build = builds.at(day);
      aggregate = &build.aggregate;
      day_unreadable = build.unreadable;
    }
    unreadable += day_unreadable;
    if (HoldsSessions(*aggregate)) visit(day, *aggregate);
    rebuilt.String(config.site());
    rebuilt.Int(config.hash());
    rebuilt.Int(day);
    rebuilt.Int(at->inserts);
    rebuilt.Int(at->fingerprint);
    rebuilt.Int(now);
    rebuilt.Int(day_unreadable);
    rebuilt.String(std::span<const uint8_t>(aggregate->Serialize()));
  }
  if (!found.empty()) {
    std::lock_guard damage(damage_mutex_);
    for (const auto& [kind, count] : found) unreadable_[kind] += count;
  }
  // The cache is an optimisation: a failed save means the next report
  // rebuilds (or merges the day's deltas) again. Saved after the report
  // answered, not before: that INSERT was up to half of a report after new
  // traffic. Waited for on every shard there, so a deletion that waits for
  // it (WaitForBackground) finds its row.
  if (!rebuilt.bytes().empty()) {
    InBackground([this, rows = std::move(rebuilt.bytes())] {
      (void)node_->Insert("INSERT INTO " + db_ +
                              ".day_aggregates (site, config_hash, day, inserts, fingerprint, "
                              "built_at, unreadable, aggregate) FORMAT RowBinary",
                          rows);
    });
  }
  phases.total = since(start);
  {
    std::lock_guard lock(phases_mutex_);
    last_phases_ = phases;
  }
  return R(unreadable);
}

Status ClickHouseStore::RecordCurrentConfig(const Config& config, int64_t now_ms) {
  std::lock_guard lock(config_mutex_);
  auto versions = ReadVersions(*node_, db_, config.site());
  if (!versions.ok()) return {versions.error(), versions.message()};
  int64_t updated_at = now_ms;
  for (const VersionRow& row : versions.value()) {
    updated_at = std::max(updated_at, row.updated_at + 1);
  }
  RowBinaryWriter rows;
  auto write = [&](uint32_t hash, int64_t first, int64_t last, std::span<const uint8_t> compiled) {
    rows.String(config.site());
    rows.Int(hash);
    rows.Int(first);
    rows.Int(last);
    rows.Int(updated_at);
    rows.String(compiled);
  };
  bool known = false;
  // The zone the site's days were counted in until now: sessions move when
  // it changes (the current version of another hash).
  bool rezone = false;
  for (const VersionRow& row : versions.value()) {
    if (row.version.hash == config.hash() || row.version.last_current_ms != 0) continue;
    auto old = Config::FromCompiled(row.version.compiled);
    rezone = !old.ok() || old.value().time_zone_name() != config.time_zone_name();
  }
  for (const VersionRow& row : versions.value()) {
    const StoredConfigVersion& v = row.version;
    if (v.hash == config.hash()) {
      known = true;
      if (v.last_current_ms != 0) write(v.hash, v.first_current_ms, 0, v.compiled);
    } else if (v.last_current_ms == 0) {
      write(v.hash, v.first_current_ms, now_ms, v.compiled);  // retired now
    }
  }
  if (!known) write(config.hash(), now_ms, 0, config.bytes());
  if (rows.bytes().empty()) return LoadReader(config);  // idempotent while current
  Status recorded = node_->Insert("INSERT INTO " + db_ +
                                      ".config_versions (site, hash, first_current, last_current, "
                                      "updated_at, compiled) FORMAT RowBinary",
                                  rows.bytes());
  if (!recorded.ok()) return recorded;
  if (rezone) {
    if (Status moved = MoveSessionsToZone(config); !moved.ok()) return moved;
  }
  return LoadReader(config);
}

Status ClickHouseStore::LoadReader(const Config& config) {
  auto versions = ReadVersions(*node_, db_, config.site());
  if (!versions.ok()) return {versions.error(), versions.message()};
  auto reader = std::make_shared<SiteReader>(SiteReader{config, {}});
  for (const VersionRow& row : versions.value()) {
    if (row.version.hash == config.hash()) continue;
    auto old = Config::FromCompiled(row.version.compiled);
    if (!old.ok()) continue;  // damaged row: its sessions stay unread
    IdTranslation translation(old.value(), config);
    reader->others.emplace(row.version.hash,
                           SiteReader::Other{std::move(old).value(), std::move(translation)});
  }
  std::lock_guard lock(readers_mutex_);
  readers_.insert_or_assign(std::string(config.site()), std::move(reader));
  return {};
}

std::shared_ptr<const ClickHouseStore::SiteReader> ClickHouseStore::ReaderOf(
    std::string_view site) {
  std::lock_guard lock(readers_mutex_);
  auto found = readers_.find(site);
  return found == readers_.end() ? nullptr : found->second;
}

Status ClickHouseStore::Reindex(std::string_view site, const ReindexProgress& progress) {
  std::vector<std::string> sites;
  Status read = node_->Stream("SELECT DISTINCT site FROM " + db_ + ".config_versions" +
                                  (site.empty() ? "" : " WHERE site = " + SqlString(site)) +
                                  " ORDER BY site FORMAT RowBinary",
                              "s", [&](RowBinaryReader& row) {
                                sites.emplace_back(row.Text());
                                return true;
                              });
  if (!read.ok()) return read;
  if (!site.empty() && sites.empty()) {
    return {Error::kInvalidConfig, "no config recorded for site " + std::string(site)};
  }
  struct SiteDays {
    Config config;
    std::vector<uint32_t> days;
  };
  std::vector<SiteDays> work;
  size_t total = 0;
  for (const std::string& name : sites) {
    auto versions = ConfigVersions(name);
    if (!versions.ok()) return {versions.error(), versions.message()};
    if (versions.value().empty() || versions.value().back().last_current_ms != 0) continue;
    auto config = Config::FromCompiled(versions.value().back().compiled);
    // Its days are the site's local days: the zone's rules count them.
    if (config.ok()) {
      if (Status zone = AttachTimeZone(config.value()); !zone.ok()) return zone;
    }
    if (!config.ok()) {
      return {Error::kUnavailable, "the current config of " + name + " does not verify"};
    }
    SiteDays entry{std::move(config).value(), {}};
    read = node_->Stream("SELECT DISTINCT day FROM " + db_ + ".day_marks WHERE site = " +
                             SqlString(name) + " ORDER BY day FORMAT RowBinary",
                         "4", [&](RowBinaryReader& row) {
                           entry.days.push_back(row.Int<uint32_t>());
                           return true;
                         });
    if (!read.ok()) return read;
    total += entry.days.size();
    work.push_back(std::move(entry));
  }
  // A week per query: one FINAL scan rebuilds all stale days of the range
  // (a query per day cost ~0.6 s each), and progress still moves.
  constexpr size_t kDaysPerStep = 7;
  size_t done = 0;
  if (progress) progress(0, total);
  for (const SiteDays& entry : work) {
    for (size_t i = 0; i < entry.days.size(); i += kDaysPerStep) {
      const size_t end = std::min(entry.days.size(), i + kDaysPerStep);
      auto built = ForEachDayAggregate(entry.config, entry.days[i], entry.days[end - 1],
                                       [](uint32_t, const Aggregate&) {});
      if (!built.ok()) return {built.error(), built.message()};
      WaitForBackground();  // the days' cache saved: the next report reads it
      done += end - i;
      if (progress) progress(done, total);
    }
  }
  return {};
}

Result<std::vector<StoredConfigVersion>> ClickHouseStore::ConfigVersions(std::string_view site) {
  auto rows = ReadVersions(*node_, db_, site);
  if (!rows.ok()) return {rows.error(), rows.message()};
  std::vector<StoredConfigVersion> versions;
  for (VersionRow& row : rows.value()) versions.push_back(std::move(row.version));
  return versions;
}

Status ClickHouseStore::ForEachSession(std::string_view site, uint32_t first_day, uint32_t last_day,
                                       const SessionVisitor& visit) {
  return ForEachStoredRow(site, first_day, last_day, false, visit);
}

Status ClickHouseStore::ForEachStoredRow(std::string_view site, uint32_t first_day,
                                         uint32_t last_day, bool with_replay,
                                         const SessionVisitor& visit) {
  StoredSummary row;
  row.site = std::string(site);
  // toInt64: the order SqliteStore gives (nonces stored bit-cast signed).
  return node_->Stream(
      "SELECT nonce, seq, day, config_hash, received_at, summary" +
          std::string(with_replay ? ", toUInt32(replay), replay_outcome, replay_drops" : "") +
          " FROM " + db_ + ".sessions FINAL WHERE site = " + SqlString(site) + " AND day BETWEEN " +
          std::to_string(first_day) + " AND " + std::to_string(last_day) +
          " ORDER BY day, toInt64(nonce) FORMAT RowBinary",
      with_replay ? "84448s44s" : "84448s", [&](RowBinaryReader& reader) {
        row.nonce = reader.Int<uint64_t>();
        ReadStoredColumns(reader, row);
        if (with_replay) {
          const bool sampled = reader.Int<uint32_t>() != 0;
          ReplayFacts facts;
          facts.outcome = reader.Int<uint32_t>();
          facts.drops = ParseDrops(std::string(reader.Text()));
          row.replay = sampled ? std::optional<ReplayFacts>(std::move(facts)) : std::nullopt;
        }
        return visit(row);
      });
}

Result<std::optional<uint32_t>> ClickHouseStore::StoredSeq(std::string_view site, uint64_t nonce) {
  using R = Result<std::optional<uint32_t>>;
  uint32_t seq = 0;
  uint64_t rows = 0;
  Status read = node_->Stream("SELECT max(seq), count() FROM " + db_ +
                                  ".sessions WHERE site = " + SqlString(site) +
                                  " AND nonce = " + std::to_string(nonce) + " FORMAT RowBinary",
                              "48", [&](RowBinaryReader& row) {
                                seq = row.Int<uint32_t>();
                                rows = row.Int<uint64_t>();
                                return true;
                              });
  if (!read.ok()) return Failed<std::optional<uint32_t>>(read);
  return R(rows == 0 ? std::nullopt : std::optional<uint32_t>(seq));
}

Result<uint64_t> ClickHouseStore::CountSessions() {
  uint64_t count = 0;
  Status read = node_->Stream("SELECT count() FROM " + db_ + ".sessions FINAL FORMAT RowBinary",
                              "8", [&](RowBinaryReader& row) {
                                count = row.Int<uint64_t>();
                                return true;
                              });
  if (!read.ok()) return Failed<uint64_t>(read);
  return count;
}

Status ClickHouseStore::CheckWritable() {
  // Through the Distributed table: every shard must answer.
  auto answer = node_->Query("SELECT count() FROM " + db_ + ".sessions WHERE site = '' FORMAT TSV");
  if (!answer.ok()) return {answer.error(), answer.message()};
  return {};
}

Status ClickHouseStore::CheckIntegrity() { return {}; }

Status ClickHouseStore::CheckSpace() { return {}; }

UnreadableCounts ClickHouseStore::Unreadable() {
  std::lock_guard lock(damage_mutex_);
  return unreadable_;
}

}  // namespace microconv
