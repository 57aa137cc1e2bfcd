// ClickHouseStore's day aggregates kept at commit time (issue 12): each Put
// writes, after its session rows, one delta per (site, config, day) it
// touched: the summaries it added, the previous versions they replaced (read
// by the Put's seq lookup), the rows it inserted and a claim per row. A
// report merges a day's live deltas (added, then the replaced versions
// taken back) instead of rebuilding the day from its sessions when
//  - their inserts add up to the day's marks (rows ever inserted, counted by
//    ClickHouse itself): every stored row of the day went through a Put
//    that wrote its delta; a crash between the two INSERTs, rows written
//    some other way, a delta INSERT that failed or a row of a config
//    version unknown to the Put all leave the marks ahead, and
//  - no claim appears twice. A claim names a session and the version a row
//    replaced (or "none" for a first flush). Two collectors taking flushes
//    of one session at once read the same previous version and both take
//    it back; the marks would still add up, but the claim is there twice.
//    A session's versions, read in the order their Puts looked them up,
//    each replace a distinct older one, so in a correct chain each session
//    claims "none" once and each of its replaced versions once, and the
//    sum telescopes to its newest version.
// The claims check does not read the day's claims: a view copies each
// delta's claims into day_claims (ordered by claim) in the delta's INSERT,
// with a row of claim 0 holding the delta's id. A report checks
//  - that the day's ids there add up (a wrapping sum) to the ids of the
//    live deltas it read, a compacted one's id being the sum of those it
//    replaced: so day_claims holds exactly the claims of the deltas the
//    live ones stand for, each once (two compactions of one chain both
//    live, a delta whose claims are missing or not yet visible, or one
//    written since, all make the sums differ: read again, then rebuilt);
//  - that each claim of the live deltas not yet compacted (the only ones
//    whose rows still carry their claims) appears there once: looked up by
//    key, so a report reads the claims written since the last compaction
//    plus at most a granule per claim, not the day's. The claims of a
//    compacted row were checked this way while its deltas were new, each
//    against every claim in day_claims then, so no two of them are equal.
// Otherwise the day is rebuilt from its sessions as before (exact). A
// report that finds a day's marks ahead of its deltas reads again after a
// short wait first: a Put between its two INSERTs is the usual reason.
// Reports compact a day's chain once it is long (after they answered, one
// compaction at a time per store object): one row for many, the
// replaced rows cancelled by sign -1 rows (CollapsingMergeTree drops both
// at its next merge). Its id is the sum of the ids it replaces, so two
// reports compacting the same chain write the same row (read once); its
// claims stay in day_claims, so a late racing delta is still caught. It
// carries no claims and an empty `removed`: a report of a previous release
// (which looked for the claims in the compacted row) finds it unreadable
// and rebuilds the day, exact, instead of missing a race.
#include <algorithm>
#include <chrono>
#include <future>
#include <random>
#include <thread>

#include "core/summary.h"
#include "tools/store/clickhouse_row_binary.h"
#include "tools/store/clickhouse_store.h"

namespace microconv {
namespace {

// A report compacts a day's live deltas once it finds more than this many:
// a busy day gets a delta per Put, and each costs a blob to decode.
constexpr size_t kCompactAt = 16;
// Reads of a day whose marks are ahead of its deltas before it is rebuilt.
constexpr int kChainAttempts = 3;
constexpr auto kChainRetryWait = std::chrono::milliseconds(20);

uint64_t Mix(uint64_t x) {  // splitmix64's finalizer
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// The session and the version a row replaced (none: 0). Never 0: claim 0
// is day_claims' row of a delta's id.
uint64_t Claim(uint64_t nonce, const StoredSummary* previous) {
  const uint64_t claim = Mix(nonce ^ Mix(previous == nullptr ? 0 : uint64_t{previous->seq} + 1));
  return claim == 0 ? 1 : claim;
}

uint64_t RandomId() {
  thread_local std::mt19937_64 random(std::random_device{}());
  return random();
}

std::string Join(const std::vector<uint32_t>& days) {
  std::string list;
  for (uint32_t day : days) list += (list.empty() ? "" : ",") + std::to_string(day);
  return list;
}

}  // namespace

Status ClickHouseStore::WriteDayDeltas(const SiteReader& reader,
                                       const std::vector<WrittenRow>& written) {
  struct Delta {
    Aggregate added, removed;
    uint64_t inserts = 0;
    int64_t unreadable = 0;
    std::vector<uint64_t> claims;
    bool broken = false;  // a version the reader does not know: no delta
  };
  enum class Folded { kYes, kUnreadable, kUnknownVersion };
  // As the rebuild reads a row (clickhouse_store.cc): through the config it
  // was written with, translated; verified unless the collector just did.
  auto fold = [&](Aggregate& into, const StoredSummary& row, Error& error) {
    const Config* written_with = &reader.config;
    const SiteReader::Other* other = nullptr;
    if (row.config_hash != reader.config.hash()) {
      auto found = reader.others.find(row.config_hash);
      if (found == reader.others.end()) return Folded::kUnknownVersion;
      other = &found->second;
      written_with = &other->config;
    }
    auto summary = row.verified && other == nullptr
                       ? Result<const wire::Summary*>(wire::GetSummary(row.bytes.data()))
                       : VerifySummary(row.bytes, written_with);
    if (!summary.ok()) {
      error = summary.error();
      return Folded::kUnreadable;
    }
    Status added;
    if (other == nullptr) {
      added = into.Add(*summary.value());
    } else {
      const std::vector<uint8_t> translated = other->translation.Translate(*summary.value());
      added = into.Add(*wire::GetSummary(translated.data()));
    }
    if (!added.ok()) {
      error = added.error;
      return Folded::kUnreadable;
    }
    return Folded::kYes;
  };
  std::map<uint32_t, Delta> days;
  UnreadableCounts found;
  for (const WrittenRow& w : written) {
    auto [it, fresh] = days.try_emplace(w.row->day);
    Delta& delta = it->second;
    if (fresh) delta.added = delta.removed = Aggregate(reader.config);
    ++delta.inserts;
    delta.claims.push_back(Claim(w.row->nonce, w.previous));
    if (delta.broken) continue;
    Error error = Error::kOk;
    const Folded added = fold(delta.added, *w.row, error);
    if (added == Folded::kUnreadable) {
      ++delta.unreadable;
      ++found[ErrorName(error)];
    }
    // The replaced version was counted when it came: its figures (or its
    // damage count) are taken back.
    const Folded removed =
        w.previous == nullptr ? Folded::kYes : fold(delta.removed, *w.previous, error);
    if (removed == Folded::kUnreadable) --delta.unreadable;
    delta.broken = added == Folded::kUnknownVersion || removed == Folded::kUnknownVersion;
  }
  if (!found.empty()) {
    std::lock_guard damage(damage_mutex_);
    for (const auto& [kind, count] : found) unreadable_[kind] += count;
  }
  RowBinaryWriter rows;
  for (const auto& [day, delta] : days) {
    if (delta.broken) continue;
    rows.String(reader.config.site());
    rows.Int(reader.config.hash());
    rows.Int(day);
    rows.Int(RandomId());
    rows.Int(int8_t{1});
    rows.Int(delta.inserts);
    rows.Int(delta.unreadable);
    rows.UInt64Array(delta.claims);
    rows.String(std::span<const uint8_t>(delta.added.Serialize()));
    rows.String(std::span<const uint8_t>(delta.removed.Serialize()));
  }
  if (rows.bytes().empty()) return {};
  return node_->Insert("INSERT INTO " + db_ +
                           ".day_deltas (site, config_hash, day, id, sign, inserts, unreadable, "
                           "claims, added, removed) FORMAT RowBinary",
                       rows.bytes());
}

// One live delta (read with argMax(..., sign) over its id) into its day's
// chain.
void ClickHouseStore::MergeDelta(DeltaChain& chain, const Config& config, uint64_t id,
                                 uint64_t inserts, int64_t unreadable, uint64_t claims,
                                 std::span<const uint8_t> added, std::span<const uint8_t> removed) {
  if (chain.ids.empty()) chain.added = chain.removed = Aggregate(config);
  chain.ids.push_back(id);
  chain.id_sum += id;
  chain.inserts += inserts;
  chain.unreadable += unreadable;
  chain.claims += claims;
  for (auto [into, bytes] : {std::pair{&chain.added, added}, std::pair{&chain.removed, removed}}) {
    if (bytes.empty() && into == &chain.removed) continue;  // compacted: the day net
    auto blob = Aggregate::Deserialize(bytes);
    chain.broken = chain.broken || !blob.ok() || blob.value().config_hash() != config.hash() ||
                   !into->Merge(blob.value()).ok();
  }
}

Status ClickHouseStore::ReadDays(const Config& config, uint32_t first_day, uint32_t last_day,
                                 std::map<uint32_t, DayMarks>& marks,
                                 std::map<uint32_t, CachedDay>& cached) {
  const std::string site = SqlString(config.site());
  const std::string of_config = " WHERE site = " + site +
                                " AND config_hash = " + std::to_string(config.hash()) +
                                " AND day BETWEEN ";
  const std::string range = std::to_string(first_day) + " AND " + std::to_string(last_day);
  // Two reads side by side, on two connections (one round trip of wait):
  // the marks, and the newest cached aggregate of each day (used only where
  // built at exactly the marks; marks only grow, so an older one would not
  // match either). The cache needs no order against the marks: a blob is
  // used only at the marks it was built at. Reading the two newest days'
  // live deltas beside them (ahead of knowing which days are stale) was
  // tried: 30-67 ms of ReadDays at 1M, load ~6, warm reports 12 -> 53 ms.
  auto marks_read = std::async(std::launch::async, [&] {
    return node_->Stream("SELECT day, sum(inserts), sum(fingerprint) FROM " + db_ +
                             ".day_marks WHERE site = " + site + " AND day BETWEEN " + range +
                             " GROUP BY day FORMAT RowBinary",
                         "488", [&](RowBinaryReader& row) {
                           const auto day = row.Int<uint32_t>();
                           DayMarks& m = marks[day];
                           m.inserts = row.Int<uint64_t>();
                           m.fingerprint = row.Int<uint64_t>();
                           return true;
                         });
  });
  struct Newest {
    DayMarks at;
    CachedDay blob;
  };
  std::map<uint32_t, Newest> newest;
  auto cached_read = std::async(std::launch::async, [&] {
    return node_->Stream(
        "SELECT day, argMax(inserts, built_at), argMax(fingerprint, built_at), "
        "argMax(unreadable, built_at), argMax(aggregate, built_at) FROM " +
            db_ + ".day_aggregates" + of_config + range + " GROUP BY day FORMAT RowBinary",
        "4888s", [&](RowBinaryReader& row) {
          const auto day = row.Int<uint32_t>();
          const auto inserts = row.Int<uint64_t>();
          const auto fingerprint = row.Int<uint64_t>();
          const auto unreadable = row.Int<uint64_t>();
          auto aggregate = Aggregate::Deserialize(row.Bytes());
          if (aggregate.ok() && aggregate.value().config_hash() == config.hash()) {
            newest.insert_or_assign(
                day, Newest{{inserts, fingerprint}, {std::move(aggregate).value(), unreadable}});
          }
          return true;
        });
  });
  Status status = cached_read.get();
  const Status marks_status = marks_read.get();
  if (!status.ok()) return status;
  if (!marks_status.ok()) return marks_status;
  for (auto& [day, entry] : newest) {
    auto m = marks.find(day);
    if (m != marks.end() && m->second == entry.at) cached.emplace(day, std::move(entry.blob));
  }
  return {};
}

Result<std::map<uint32_t, ClickHouseStore::ChainDay>> ClickHouseStore::ReadDeltaChains(
    const Config& config, std::map<uint32_t, DayMarks>& days, double& check_seconds) {
  using R = Result<std::map<uint32_t, ChainDay>>;
  std::map<uint32_t, ChainDay> chains;
  std::map<uint32_t, DeltaChain> compact;  // chains read whole and long enough
  std::vector<uint32_t> pending;
  for (const auto& [day, marks] : days) pending.push_back(day);
  const std::string site = SqlString(config.site());
  const std::string live = " FROM " + db_ + ".day_deltas WHERE site = " + site +
                           " AND config_hash = " + std::to_string(config.hash());
  for (int attempt = 0; attempt < kChainAttempts && !pending.empty(); ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(kChainRetryWait);
    // 1. The live deltas (first: each one's rows were written before it,
    //    so the marks read below count them; its claims were written in
    //    its INSERT, and the ids' sum below says whether they are visible).
    std::map<uint32_t, DeltaChain> read;
    const std::vector<uint32_t>& unread = pending;
    if (!unread.empty()) {
      Status status = node_->Stream(
          "SELECT day, id, argMax(inserts, sign), argMax(unreadable, sign), argMax(added, sign), "
          "argMax(removed, sign)" +
              live + " AND day IN (" + Join(unread) +
              ") GROUP BY day, id HAVING sum(sign) > 0 FORMAT RowBinary",
          "4888ss", [&](RowBinaryReader& row) {
            const auto day = row.Int<uint32_t>();
            const auto id = row.Int<uint64_t>();
            const auto inserts = row.Int<uint64_t>();
            const auto unreadable = row.Int<int64_t>();
            const auto added = row.Bytes();
            const auto removed = row.Bytes();
            // A claim per row written; none carried by a compacted row of
            // this release (empty `removed`). Not read: length(claims) reads
            // the arrays, also of the day's cancelled rows until a merge
            // drops them (a day's claims again).
            const uint64_t claims = removed.empty() ? 0 : inserts;
            MergeDelta(read[day], config, id, inserts, unreadable, claims, added, removed);
            return true;
          });
      if (!status.ok()) return R(status.error, status.message);
    }
    // 2. After the deltas, side by side on two connections: the marks now
    //    (every row of a delta read above is in them) and the claims (see
    //    the file comment). (One UNION ALL query of marks and claims was no
    //    faster here: 78-194 ms at 1M, load ~6.)
    const std::string where = " AND day BETWEEN " + std::to_string(pending.front()) + " AND " +
                              std::to_string(pending.back()) + " AND day IN (" + Join(pending) +
                              ")";
    struct Claims {
      uint64_t ids = 0;       // wrapping sum of the ids of the deltas whose claims are there
      uint64_t matches = 0;   // rows of day_claims (summed) holding a claim looked up
      uint64_t distinct = 0;  // of those claims, distinct
    };
    std::map<uint32_t, Claims> claims;
    std::map<uint32_t, DayMarks> now;
    auto marks_now = std::async(std::launch::async, [&] {
      return node_->Stream("SELECT day, sum(inserts), sum(fingerprint) FROM " + db_ +
                               ".day_marks WHERE site = " + site + where +
                               " GROUP BY day FORMAT RowBinary",
                           "488", [&](RowBinaryReader& row) {
                             const auto day = row.Int<uint32_t>();
                             const auto inserts = row.Int<uint64_t>();
                             now[day] = DayMarks{inserts, row.Int<uint64_t>()};
                             return true;
                           });
    });
    // The claims looked up are those the live deltas read above still
    // carry, read on each shard from its own day_deltas_local: a day's
    // claims are on its deltas' shard (the view writes them there), and the
    // set goes to no other shard.
    std::string ids;
    for (const auto& [day, chain] : read) {
      for (uint64_t id : chain.ids) ids += (ids.empty() ? "" : ",") + std::to_string(id);
    }
    const std::string of_config =
        " WHERE site = " + site + " AND config_hash = " + std::to_string(config.hash());
    const std::string looked_up = ids.empty() ? ""
                                              : " OR claim IN (SELECT arrayJoin(claims) FROM " +
                                                    db_ + ".day_deltas_local" + of_config + where +
                                                    " AND sign = 1 AND id IN (" + ids + "))";
    const auto check_start = std::chrono::steady_clock::now();
    Status status = node_->Stream(
        "SELECT day, sumIf(ids, claim = 0), sumIf(n, claim != 0), uniqExactIf(claim, claim != 0) "
        "FROM " +
            db_ + ".day_claims" + of_config + where + " AND (claim = 0" + looked_up +
            ") GROUP BY day FORMAT RowBinary",
        "4888", [&](RowBinaryReader& row) {
          const auto day = row.Int<uint32_t>();
          Claims& c = claims[day];
          c.ids = row.Int<uint64_t>();
          c.matches = row.Int<uint64_t>();
          c.distinct = row.Int<uint64_t>();
          return true;
        });
    check_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - check_start).count();
    const Status marks_status = marks_now.get();
    if (!marks_status.ok()) return R(marks_status.error, marks_status.message);
    if (!status.ok()) return R(status.error, status.message);
    std::vector<uint32_t> again;
    for (uint32_t day : pending) {
      auto chain = read.find(day);
      auto marks = now.find(day);
      if (chain == read.end() || chain->second.broken || marks == now.end() ||
          chain->second.unreadable < 0) {
        continue;  // rebuilt
      }
      const Claims claimed = claims[day];  // none there: all zero
      if (chain->second.inserts < marks->second.inserts || claimed.ids != chain->second.id_sum) {
        // Rows whose delta is not (yet) written, a delta whose claims are
        // not (yet) visible or one written since: read again (then rebuilt).
        again.push_back(day);
        continue;
      }
      // Each claim looked up there once: none twice among the new ones, and
      // none also claimed by a delta read before.
      if (claimed.matches != chain->second.claims || claimed.distinct != chain->second.claims) {
        continue;  // rebuilt
      }
      DeltaChain& c = chain->second;
      if (c.inserts != marks->second.inserts) continue;
      // The day as it is: the compacted row holds it the same way.
      if (!c.added.Unmerge(c.removed).ok()) continue;
      days[day] = marks->second;
      if (c.ids.size() > kCompactAt) {
        chains[day] = ChainDay{c.added, static_cast<uint64_t>(c.unreadable)};
        compact.emplace(day, std::move(c));
      } else {
        chains[day] = ChainDay{std::move(c.added), static_cast<uint64_t>(c.unreadable)};
      }
    }
    pending = std::move(again);
  }
  if (!compact.empty()) {
    InBackground([this, config, compact = std::move(compact)]() mutable {
      CompactChains(config, std::move(compact));
    });
  }
  return R(std::move(chains));
}

// Compaction (an optimisation: failing, the chain stays long). The claims
// of the rows merged stay in day_claims, and the id of the one that
// replaces them is the sum of theirs, so the day's check still adds up.
void ClickHouseStore::CompactChains(const Config& config, std::map<uint32_t, DeltaChain> compact) {
  // One at a time: a compaction that read its chain before the one of an
  // older chain of the day wrote its row would leave both rows live (the
  // day rebuilt from then on). After it, the ids it replaces are no longer
  // live, and the check below skips the day.
  std::lock_guard one_at_a_time(compaction_mutex_);
  const std::string live = " FROM " + db_ + ".day_deltas WHERE site = " + SqlString(config.site()) +
                           " AND config_hash = " + std::to_string(config.hash());
  std::map<uint32_t, size_t> rows_found;
  std::vector<uint32_t> compact_days;
  std::string ids;
  for (const auto& [day, chain] : compact) {
    compact_days.push_back(day);
    for (uint64_t id : chain.ids) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  }
  Status status = node_->Stream("SELECT day, id" + live + " AND day IN (" + Join(compact_days) +
                                    ") AND id IN (" + ids +
                                    ") GROUP BY day, id HAVING sum(sign) > 0 FORMAT RowBinary",
                                "48", [&](RowBinaryReader& row) {
                                  ++rows_found[row.Int<uint32_t>()];
                                  row.Int<uint64_t>();
                                  return true;
                                });
  if (!status.ok()) return;
  RowBinaryWriter rows;
  for (auto& [day, chain] : compact) {
    if (rows_found[day] != chain.ids.size()) continue;  // compacted meanwhile
    const uint64_t id = chain.id_sum;  // wrapping: day_claims sums ids the same way
    auto row = [&](uint64_t row_id, int8_t sign) {
      rows.String(config.site());
      rows.Int(config.hash());
      rows.Int(day);
      rows.Int(row_id);
      rows.Int(sign);
    };
    row(id, 1);
    rows.Int(chain.inserts);
    rows.Int(chain.unreadable);
    rows.UInt64Array({});  // its claims are in day_claims already
    rows.String(std::span<const uint8_t>(chain.added.Serialize()));  // the day, net
    rows.String(std::string_view());  // compacted (see the file comment)
    for (uint64_t replaced : chain.ids) {
      row(replaced, -1);
      rows.Int(uint64_t{0});
      rows.Int(int64_t{0});
      rows.UInt64Array({});
      rows.String(std::string_view());
      rows.String(std::string_view());
    }
  }
  if (!rows.bytes().empty()) {
    (void)node_->Insert("INSERT INTO " + db_ +
                            ".day_deltas (site, config_hash, day, id, sign, inserts, unreadable, "
                            "claims, added, removed) FORMAT RowBinary",
                        rows.bytes());
  }
}

void ClickHouseStore::InBackground(std::function<void()> work) {
  std::lock_guard lock(background_mutex_);
  // Drop the finished ones: a long-running collector reports all day.
  std::erase_if(background_, [](std::future<void>& f) {
    return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  });
  background_.push_back(std::async(std::launch::async, std::move(work)));
}

void ClickHouseStore::WaitForBackground() {
  std::vector<std::future<void>> running;
  {
    std::lock_guard lock(background_mutex_);
    running.swap(background_);
  }
  for (std::future<void>& f : running) f.wait();
}

ClickHouseStore::~ClickHouseStore() { WaitForBackground(); }

}  // namespace microconv
