// The scale-out store (SPEC section 9, issue 12 point 3): session summaries
// in ClickHouse, sharded across a cluster, written by any number of
// stateless collectors. Selected by --store
// clickhouse://HOST:PORT[,HOST:PORT...]/DB[?cluster=NAME]: HTTP ports of
// nodes of the cluster NAME (default "microconv", declared in each node's
// remote_servers). Requests go to the first node; the schema is created on
// every listed node (a node must have its local tables before the cluster
// can write to it).
//
// Tables, each a *_local table on every shard behind a Distributed table:
//   sessions(site, day, nonce, seq, config_hash, received_at, summary,
//       replay, replay_outcome, replay_drops)
//       ReplacingMergeTree(seq) ORDER BY (site, day, nonce), sharded by
//       cityHash64(site, nonce): a session's versions meet on one shard and
//       merge to the highest seq; reads use FINAL. The day is in the key so
//       a day's sessions are one index range (a session's day never changes,
//       so (site, day, nonce) names the same row as (site, nonce)). The
//       replay columns are the journey replay index (StoredSummary::replay;
//       replay 0: not sampled), so the newest version's facts win and a
//       replay goes with its session (clickhouse_replays.cc); a store
//       created before them gets them at Open (ALTER TABLE ... ADD COLUMN).
//   day_marks(site, day, inserts, fingerprint) SummingMergeTree, filled by a
//       materialized view on sessions_local: per day the rows ever inserted
//       and the wrapping sum of cityHash64(nonce, seq). It changes with every
//       insert and never with a merge: the day's version, like SQLite's
//       days.version.
//   day_aggregates(site, config_hash, day, inserts, fingerprint, built_at,
//       unreadable, aggregate) ReplacingMergeTree(built_at): a day's
//       Aggregate as a blob, fresh while its marks equal the day's marks.
//   day_deltas(site, config_hash, day, id, sign, inserts, unreadable,
//       claims, added, removed) CollapsingMergeTree(sign), sharded by
//       cityHash64(site, day): what each Put did to a day's Aggregate
//       (clickhouse_day_deltas.cc): `inserts` rows written, the summaries
//       added and the previous versions they replaced, and its claims (one
//       per row: the session and the version it replaced, or none). A
//       report merges a day's live deltas when their inserts add up to the
//       day's marks and no claim appears twice; compaction writes one row
//       for many (no claims, its id the sum of theirs) and cancels them
//       (sign -1).
//   day_claims(site, config_hash, day, claim, n, ids) SummingMergeTree,
//       ORDER BY (site, config_hash, day, claim), filled by a materialized
//       view on day_deltas_local: each delta's claims (n 1) and a row of
//       claim 0 with its id in `ids` (summed: the day's deltas whose claims
//       are there). A report looks up only the claims of the deltas not
//       yet compacted; a store created before it gets its deltas' claims
//       copied in at Open.
//   config_versions(site, hash, first_current, last_current, updated_at,
//       compiled) ReplacingMergeTree(updated_at); last_current 0: current.
//
// Durable: a Put returns ok only after ClickHouse answered the INSERT with
// insert_distributed_sync=1, i.e. every shard that owns a row wrote it as a
// part on its disk. That survives a crash of any collector or of the
// ClickHouse process (the part is renamed into place before the answer); a
// power loss of one machine is covered by replicas (ReplicatedMergeTree and
// insert_quorum, see README), not by fsync, which ClickHouse 18.16 does not
// do per insert. A batch that fails on one shard may be written on another:
// the collector answers 503, the tracker resends, and the equal seq changes
// nothing, so a retry is never counted twice.
#ifndef MICROCONV_TOOLS_STORE_CLICKHOUSE_STORE_H_
#define MICROCONV_TOOLS_STORE_CLICKHOUSE_STORE_H_

#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "core/config_history.h"
#include "tools/store/clickhouse_http.h"
#include "tools/store/summary_store.h"

namespace microconv {

class RowBinaryWriter;  // clickhouse_row_binary.h

class ClickHouseStore final : public SummaryStore {
 public:
  // `url` without the "clickhouse://" scheme. Creates the database and
  // tables where missing; kUnavailable when a node is unreachable or the
  // cluster is not declared.
  static Result<std::unique_ptr<ClickHouseStore>> Open(std::string_view url);
  // Waits for the work reports left running (InBackground).
  ~ClickHouseStore() override;
  // Waits for the work reports of this store object left running after
  // they answered: the cached aggregates' save and the compaction of long
  // delta chains (deletions, Reindex and the destructor wait for them).
  void WaitForBackground();

  Result<PutOutcome> Put(std::span<const StoredSummary> batch) override;
  Result<uint64_t> ForEachDayAggregate(const Config& config, uint32_t first_day, uint32_t last_day,
                                       const DayVisitor& visit) override;
  Status RecordCurrentConfig(const Config& config, int64_t now_ms) override;
  // Day aggregates here are cached at report time and checked against the
  // day's marks on every read, merged from the day deltas each Put writes
  // where those account for the marks: Reindex brings every stale day of
  // each site's current config up to date, a week of days per query, so the
  // next report finds them all fresh.
  Status Reindex(std::string_view site, const ReindexProgress& progress) override;
  Result<std::vector<StoredConfigVersion>> ConfigVersions(std::string_view site) override;
  // Days that reports of this store object rebuilt from their sessions
  // (no cached aggregate at their marks and no delta chain accounting for
  // them): 0 after new traffic when the deltas did their job.
  uint64_t DaysRebuilt() const { return days_rebuilt_.load(); }
  // Where the last ForEachDayAggregate of this store object spent its time,
  // in seconds (bench): ReadDays' one round trip (marks, cached blobs, the
  // stale days' deltas), the chains' check (the marks and claims again,
  // merging, more reads when a day's marks were ahead), the rebuild of the
  // other days, and in all.
  struct ReportPhases {
    double days = 0, chains = 0, check = 0, rebuild = 0, total = 0;  // check: within chains
  };
  ReportPhases LastReportPhases() {
    std::lock_guard lock(phases_mutex_);
    return last_phases_;
  }
  // A test seam for the race of two collectors taking flushes of one
  // session at once: runs inside Put after the stored versions were read,
  // before the INSERT.
  void SetPutPauseForTest(std::function<void()> pause) { put_pause_ = std::move(pause); }
  // A test seam: smaller batches, so a funnel list crosses batches with
  // few replays.
  void SetMaxFunnelBatchForTest(uint32_t rows) { max_funnel_batch_ = rows; }
  Status ForEachSession(std::string_view site, uint32_t first_day, uint32_t last_day,
                        const SessionVisitor& visit) override;
  Result<std::optional<uint32_t>> StoredSeq(std::string_view site, uint64_t nonce) override;
  // Journey replays (clickhouse_replays.cc): the sessions' replay columns,
  // newest version (FINAL); a page reads at most a bounded batch of rows.
  Result<ReplayPage> ListReplays(std::string_view site, uint32_t first_day, uint32_t last_day,
                                 const ReplayFilter& filter,
                                 std::optional<std::pair<uint32_t, uint64_t>> after,
                                 uint32_t limit) override;
  Result<std::optional<StoredSummary>> ReplaySession(std::string_view site,
                                                     uint64_t nonce) override;
  Result<uint64_t> CountSessions() override;
  // Every shard answers (a SELECT through the Distributed table).
  Status CheckWritable() override;
  // ClickHouse checksums every part it reads; a shard that is down is an
  // outage (Put and CheckWritable say so), not damage: always ok.
  Status CheckIntegrity() override;
  // The nodes' disks are ClickHouse's to watch: a full disk fails the
  // INSERT, which the collector answers with 503.
  Status CheckSpace() override;
  UnreadableCounts Unreadable() override;
  // Retention and site deletion (clickhouse_retention.cc): ALTER ... DELETE
  // and DROP PARTITION on every listed node's local tables, waited for; an
  // error when rows are left on a shard whose node is not listed.
  Result<DeletedRows> DeleteDaysBefore(uint32_t first_kept_day) override;
  Result<DeletedRows> DeleteSite(std::string_view site) override;

 private:
  explicit ClickHouseStore(std::vector<std::unique_ptr<ClickHouseHttp>> nodes)
      : node_(std::move(nodes.front())) {
    for (size_t i = 1; i < nodes.size(); ++i) other_nodes_.push_back(std::move(nodes[i]));
  }

  // Every listed node, the one spoken to first.
  std::vector<ClickHouseHttp*> nodes() const {
    std::vector<ClickHouseHttp*> all{node_.get()};
    for (const auto& node : other_nodes_) all.push_back(node.get());
    return all;
  }
  // Deletes the rows matching `where` from the day marks, cached day
  // aggregates and sessions of every node (first dropping the sessions
  // partitions wholly before day `drop_partitions_before`, when not 0).
  Status DeleteOnEveryNode(const std::string& where, uint32_t drop_partitions_before);
  // Deletes the config versions (grouped: site, hash, last) matching `where`.
  Status DeleteConfigVersions(const std::string& where, uint64_t& deleted);
  // The site's sessions moved to the local days of `config`'s time zone
  // (its zone changed): each moved row is written at its new day, the old
  // row deleted, then the site's cached aggregates (clickhouse_retention.cc).
  Status MoveSessionsToZone(const Config& config);
  // A sessions row as Put writes it (the replay columns from s.replay),
  // and the insert of such rows.
  static void AppendSessionRow(RowBinaryWriter& rows, const StoredSummary& s);
  // The columns seq, day, config_hash, received_at, summary of a sessions
  // row, in that order, into `row` (RowBinary types "4448s").
  static void ReadStoredColumns(RowBinaryReader& reader, StoredSummary& row);
  Status InsertSessionRows(RowBinaryWriter& rows);
  // ForEachSession's rows; `with_replay` fills each row's `replay` from its
  // replay columns (a zone move writes a session again as it is stored).
  Status ForEachStoredRow(std::string_view site, uint32_t first_day, uint32_t last_day,
                          bool with_replay, const SessionVisitor& visit);

  // A site's current config as RecordCurrentConfig recorded it and the
  // site's other versions then known: Put folds each batch into day deltas
  // through it (clickhouse_day_deltas.cc).
  struct SiteReader {
    Config config;
    struct Other {
      Config config;
      IdTranslation translation;
    };
    std::map<uint32_t, Other> others;
  };
  // The day deltas of a batch whose session rows were just written; each
  // written row with the version it replaced (null: none).
  struct WrittenRow {
    const StoredSummary* row;
    const StoredSummary* previous;
  };
  Status WriteDayDeltas(const SiteReader& reader, const std::vector<WrittenRow>& written);
  std::shared_ptr<const SiteReader> ReaderOf(std::string_view site);
  Status LoadReader(const Config& config);
  // The aggregates of `days` (each with its marks) from their delta
  // chains, for those whose live deltas account for the marks; the marks
  // they account for replace the given ones (they may have grown).
  struct ChainDay {
    Aggregate aggregate;
    uint64_t unreadable = 0;
  };
  struct DayMarks {  // a day's version (see day_marks above)
    uint64_t inserts = 0;
    uint64_t fingerprint = 0;
    bool operator==(const DayMarks&) const = default;
  };
  // A day's live deltas as read, before any check: their sums, ids and
  // merged blobs.
  struct DeltaChain {
    Aggregate added, removed;
    uint64_t inserts = 0;
    int64_t unreadable = 0;
    uint64_t claims = 0;  // carried by the deltas read (compacted ones carry none)
    std::vector<uint64_t> ids;
    uint64_t id_sum = 0;  // wrapping, as day_claims sums them
    bool broken = false;
  };
  static void MergeDelta(DeltaChain& chain, const Config& config, uint64_t id, uint64_t inserts,
                         int64_t unreadable, uint64_t claims, std::span<const uint8_t> added,
                         std::span<const uint8_t> removed);
  struct CachedDay {
    Aggregate aggregate;
    uint64_t unreadable = 0;
  };
  // One round trip of wait: the marks of every day of the range with a
  // session and the cached aggregate built at exactly those marks.
  Status ReadDays(const Config& config, uint32_t first_day, uint32_t last_day,
                  std::map<uint32_t, DayMarks>& marks, std::map<uint32_t, CachedDay>& cached);
  // `check_seconds`: the time spent in the claims query (bench).
  Result<std::map<uint32_t, ChainDay>> ReadDeltaChains(const Config& config,
                                                       std::map<uint32_t, DayMarks>& days,
                                                       double& check_seconds);
  // Work a report leaves behind (the cache save, a chain's compaction), run
  // after it answered; waited for before deletions and at destruction.
  void InBackground(std::function<void()> work);
  // The chains to compact (read whole and long enough), each with the
  // day net.
  void CompactChains(const Config& config, std::map<uint32_t, DeltaChain> compact);

  std::unique_ptr<ClickHouseHttp> node_;
  std::vector<std::unique_ptr<ClickHouseHttp>> other_nodes_;  // for schema and deletions
  std::string db_;
  std::mutex config_mutex_;  // one RecordCurrentConfig at a time per process
  std::mutex damage_mutex_;
  UnreadableCounts unreadable_;
  std::mutex readers_mutex_;
  std::map<std::string, std::shared_ptr<const SiteReader>, std::less<>> readers_;
  std::atomic<uint64_t> days_rebuilt_{0};
  std::function<void()> put_pause_;
  // A replay list filtered by funnel reads its rows in batches of at most
  // this many (the funnel rule is Matches, in C++): each batch one query
  // with a LIMIT, so ClickHouse keeps at most this many rows for its sort
  // however many replays the range holds, and this process only the page
  // (clickhouse_replays.cc); a list without a funnel reads limit + 1.
  uint32_t max_funnel_batch_ = 100'000;
  std::mutex phases_mutex_;
  ReportPhases last_phases_;
  std::mutex compaction_mutex_;
  std::mutex background_mutex_;
  std::vector<std::future<void>> background_;
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_STORE_CLICKHOUSE_STORE_H_
