// Where verified session summaries live (SPEC sections 6 and 9). The
// collector talks to this interface only, so a ClickHouse backend can sit
// behind the same calls as the embedded SQLite file.
//
// Contract every backend keeps:
// - Put is durable when it returns ok: the whole batch or nothing.
// - One row per (site, nonce); the highest seq wins, an equal or lower seq
//   changes nothing (flushes never double count, late beacons are ignored).
// - A session's day is the local day of its start in the site's time zone
//   (its current config's, core/time_zone.h); it changes only when that
//   zone does: RecordCurrentConfig then moves the site's sessions to the
//   new zone's days and drops its day aggregates (rebuilt on read).
// - Aggregates come back without k-anonymity: that is applied at report time.
// - Reports never rescan sessions: Put keeps each (site, day) aggregate of
//   the site's current config (RecordCurrentConfig) up to date in the same
//   transaction as the sessions, adding a new summary and taking back the
//   previous version of a re-flushed one (Aggregate::Add / Remove: exact).
//   Summaries of older versions are translated to the current ids first.
//   Rebuilding from stored sessions is Reindex, an explicit maintenance
//   step (and a backend may fall back to it for a day it cannot vouch for).
//   SqliteStore does all of this; ClickHouseStore, whose collectors share
//   no state, caches a day's aggregate when first read and checks it
//   against the day's insert marks on every read (clickhouse_store.h).
// - A stored row that no longer verifies is counted (StoredAggregate,
//   Unreadable), never silently skipped.
#ifndef MICROCONV_TOOLS_STORE_SUMMARY_STORE_H_
#define MICROCONV_TOOLS_STORE_SUMMARY_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/aggregate.h"
#include "core/config.h"
#include "core/status.h"
#include "tools/store/replay_index.h"

namespace microconv {

// Below this much free space a store counts as full: a commit of a large
// batch plus its WAL growth needs some room, and an operator needs warning
// before the first write fails.
inline constexpr uint64_t kMinFreeStoreBytes = 1 << 20;

// One verified summary with the fields the store indexes, read once at the
// boundary so the store never parses a summary itself.
struct StoredSummary {
  std::string site;
  uint64_t nonce = 0;
  uint32_t seq = 0;
  uint32_t day = 0;  // the site's local day of the session start (days since 1970-01-01)
  uint32_t config_hash = 0;
  int64_t received_at_ms = 0;
  std::vector<uint8_t> bytes;  // the summary exactly as received
  // Set only by the collector, which verified `bytes` against the config
  // of `config_hash` (VerifySummary) just before the hand-over: Put folds
  // them without verifying again (that pass ran on the single commit
  // thread). Bytes read back from storage are always verified.
  bool verified = false;
  // Set by the collector for a summary carrying a replay (ReplayFactsOf):
  // the store indexes it for replay lists. Absent: no replay row.
  std::optional<ReplayFacts> replay;
};

// What Put stores for a newer flush `next` of a session stored as `stored`:
// a flush carries the element clicks of its last two pages only, and the
// other pages' come from the stored version (core/element_heatmap.h
// MergeElementClicks). Empty: store `next` as it is (nothing to keep, or
// either side does not verify, which Put's fold then counts).
// `next_verified`: the collector verified `next` (StoredSummary::verified);
// `stored_verified`: the caller verified the structure of `stored`. What
// was verified is not verified again.
std::vector<uint8_t> WithStoredElementClicks(std::span<const uint8_t> stored,
                                             std::span<const uint8_t> next, bool next_verified,
                                             bool stored_verified = false);

// A compiled config the site has served (issue 9 point 6): kept for good, so
// summaries written with it are read correctly for as long as they are kept.
struct StoredConfigVersion {
  uint32_t hash = 0;
  int64_t first_current_ms = 0;  // when it first became current
  int64_t last_current_ms = 0;   // when it last stopped being current; 0: current now
  std::vector<uint8_t> compiled;
};

// Ingest statistics of one Put, for metrics.
struct PutOutcome {
  size_t written = 0;  // rows inserted or replaced by a higher seq
  size_t ignored = 0;  // equal or older seq than what is stored
};

// An aggregate read from the store, with the sessions it had to leave out.
struct StoredAggregate {
  Aggregate aggregate;
  // Stored rows of the range that failed verification when read back (a
  // damaged file or a row written by hand): never silently dropped.
  uint64_t unreadable_sessions = 0;
};

// What a retention prune or a site deletion removed.
struct DeletedRows {
  uint64_t days = 0;  // (site, day) pairs
  uint64_t sessions = 0;
  uint64_t day_aggregates = 0;
  uint64_t damage_rows = 0;
  uint64_t config_versions = 0;
};

// "3 days (120 sessions, 6 day aggregates, 0 damage rows, 1 config version)".
std::string DeletedRowsText(const DeletedRows& deleted);

// Unreadable rows met while rebuilding day aggregates, by kind (the
// ErrorName of the failed check); a row is met again when its day is rebuilt.
using UnreadableCounts = std::map<std::string, uint64_t>;

// Whether a day's aggregate holds any session, exact or sent with local
// differential privacy (core/ldp.h keeps LDP sessions apart from the exact
// tallies, so `sessions()` alone misses a day whose only sessions were LDP).
// Every store visits a day only when this holds: one rule for all of them.
inline bool HoldsSessions(const Aggregate& a) {
  return a.sessions() > 0 || !a.ldp().entries.empty();
}

// Which days of a site hold stored sessions, each with a version that moves
// whenever anything of the day changes (a commit, a re-flush, a deletion),
// and the store's epoch: it moves when a day is deleted in this process, so
// a day stored again later (its version starting over) never matches what
// was read before. What a cache of merged days is keyed by
// (tools/store/merged_days_cache.h).
struct DayVersions {
  uint64_t epoch = 0;
  std::vector<std::pair<uint32_t, int64_t>> days;  // (day, version), by day
};

class SummaryStore {
 public:
  virtual ~SummaryStore() = default;

  // Writes the batch in one transaction and returns once it is durable.
  [[nodiscard]] virtual Result<PutOutcome> Put(std::span<const StoredSummary> batch) = 0;

  // The merged aggregate of the site's sessions whose day is in [first_day,
  // last_day], read through `config`: sessions written with another config
  // version of the site (see RecordCurrentConfig) are translated to its ids
  // (core/config_history.h); those of an unknown version are left out.
  // Merged from the per-day aggregates Put keeps up to date; a day it could
  // not keep (written before `config` was current, edited behind the
  // store's back) is rebuilt from its sessions once.
  // Stored rows that no longer verify are counted (StoredAggregate).
  // One definition for every backend: ForEachDayAggregate's days merged.
  [[nodiscard]] Result<StoredAggregate> AggregateDays(const Config& config, uint32_t first_day,
                                                      uint32_t last_day);
  // The same, day by day: `visit` gets each day that HoldsSessions, in order;
  // the result is the count of the range's stored rows that no longer verify.
  using DayVisitor = std::function<void(uint32_t day, const Aggregate& aggregate)>;
  [[nodiscard]] virtual Result<uint64_t> ForEachDayAggregate(const Config& config,
                                                             uint32_t first_day, uint32_t last_day,
                                                             const DayVisitor& visit) = 0;

  // The days of `site` in [first_day, last_day] and their versions; a
  // backend without day versions answers kUnavailable (its reports are then
  // merged day by day every time).
  [[nodiscard]] virtual Result<DayVersions> ListDayVersions(std::string_view site,
                                                            uint32_t first_day, uint32_t last_day);

  // Notes that `config` is its site's current config from `now_ms` on: the
  // version is kept (first time current), the one it replaces gets its last
  // time current, and Put keeps day aggregates through it from now on.
  // Idempotent while the config stays current.
  [[nodiscard]] virtual Status RecordCurrentConfig(const Config& config, int64_t now_ms) = 0;

  // Rebuilds the day aggregates of `site` (every site when empty) from the
  // stored summaries, through each site's current config, day by day (ingest
  // goes on between days); `progress` (may be null) gets (days done, days).
  // The only full scan: `microconv reindex`, and schema migrations.
  using ReindexProgress = std::function<void(size_t done, size_t total)>;
  [[nodiscard]] virtual Status Reindex(std::string_view site, const ReindexProgress& progress) = 0;
  // Every config version the site has served, the current one last, the
  // others by when they stopped being current.
  [[nodiscard]] virtual Result<std::vector<StoredConfigVersion>> ConfigVersions(
      std::string_view site) = 0;

  // Calls `visit` for every stored session of the site in the day range, in
  // (day, nonce) order; stops early when it returns false.
  using SessionVisitor = std::function<bool(const StoredSummary&)>;
  [[nodiscard]] virtual Status ForEachSession(std::string_view site, uint32_t first_day,
                                              uint32_t last_day, const SessionVisitor& visit) = 0;

  // The stored seq of a session, or nullopt when absent.
  [[nodiscard]] virtual Result<std::optional<uint32_t>> StoredSeq(std::string_view site,
                                                                  uint64_t nonce) = 0;

  // Sessions stored, all sites.
  [[nodiscard]] virtual Result<uint64_t> CountSessions() = 0;

  // ok when a write transaction can be started now (for /healthz).
  [[nodiscard]] virtual Status CheckWritable() = 0;

  // The backend's own consistency check (SQLite: PRAGMA quick_check), slow
  // on a big store: kUnavailable with what is damaged.
  [[nodiscard]] virtual Status CheckIntegrity() = 0;

  // kUnavailable "disk full: ..." when the store's file system has less
  // than kMinFreeStoreBytes left for its caller (cheap: for /healthz).
  [[nodiscard]] virtual Status CheckSpace() = 0;

  virtual UnreadableCounts Unreadable() = 0;

  // Retention: deletes every site's days before `first_kept_day` whole (their
  // sessions, day aggregates and damage rows), and the config versions that
  // stopped being current before that day and that no kept session was
  // written with. Safe beside ingest: one day per transaction.
  // A backend without it answers kUnavailable.
  [[nodiscard]] virtual Result<DeletedRows> DeleteDaysBefore(uint32_t first_kept_day);

  // Journey replays (tools/store/replay_index.h): the site's replays of the
  // day range matching `filter`, in (day, nonce) order after `after` (a
  // (day, nonce) cursor; nullopt: from the start), at most `limit`
  // (1..kMaxReplayPage). A session's replay row goes when its session does
  // (retention, site deletion, a re-flush without a replay).
  // A backend without replays answers kUnavailable.
  [[nodiscard]] virtual Result<ReplayPage> ListReplays(
      std::string_view site, uint32_t first_day, uint32_t last_day, const ReplayFilter& filter,
      std::optional<std::pair<uint32_t, uint64_t>> after, uint32_t limit);
  // The stored session of one replay; nullopt when it has no replay row.
  [[nodiscard]] virtual Result<std::optional<StoredSummary>> ReplaySession(std::string_view site,
                                                                           uint64_t nonce);

  // Deletes everything stored for `site`: sessions, days, day aggregates,
  // damage rows and config versions (its accounts rows are AccountStore's).
  [[nodiscard]] virtual Result<DeletedRows> DeleteSite(std::string_view site);
};

// The file of a "sqlite:PATH" --store value; kInvalidConfig otherwise.
Result<std::string> SqlitePath(std::string_view url);

// The oldest day a retention of `days` days (>= 1) keeps on `today`: today
// and the days - 1 before it (serve --retention-days, prune
// --older-than-days).
constexpr uint32_t FirstKeptDay(uint32_t today, uint32_t days) {
  return today >= days ? today - days + 1 : 0;
}

// Opens the store named by a --store value: "sqlite:PATH" (created when
// missing) or "clickhouse://HOST:PORT[,HOST:PORT...]/DB[?cluster=NAME]"
// (tools/store/clickhouse_store.h; tables created when missing).
Result<std::unique_ptr<SummaryStore>> OpenStore(std::string_view url);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_STORE_SUMMARY_STORE_H_
