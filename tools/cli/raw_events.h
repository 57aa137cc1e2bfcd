// Raw events as an event-table analytics system stores them: one row per
// tracker event, what ClickHouse's windowFunnel reads. `microconv replay
// --raw-events-out` writes them and `microconv bench --clickhouse` loads
// them, so both engines see the very sessions microconv summarises.
//
// Rows are ClickHouse TabSeparated (\t, \n and \\ escaped) with the columns
// of kRawEventsTableSql: site, nonce, at_ms (ms after the session start:
// windowFunnel in ClickHouse 18.16 takes a UInt32 time), event (the
// event's name in the event-stream text form: page, click, match, ...),
// page (the path the visitor is on) and target (selector, form, field,
// element or data-layer name, as the config names it).
#ifndef MICROCONV_TOOLS_CLI_RAW_EVENTS_H_
#define MICROCONV_TOOLS_CLI_RAW_EVENTS_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/event.h"
#include "core/session.h"
#include "core/status.h"
#include "tools/store/clickhouse_row_binary.h"

namespace microconv {

// {db} is replaced by the database name.
inline constexpr const char* kRawEventsTableSql =
    "CREATE TABLE IF NOT EXISTS {db}.raw_events (site String, nonce UInt64, at_ms UInt32, "
    "event String, page String, target String) ENGINE = MergeTree ORDER BY (site, nonce, at_ms)";

// Appends one session's events to `tsv`.
void AppendRawEvents(const Config& config, std::string_view site, const SessionStart& start,
                     std::span<const Event> events, std::span<const std::string_view> strings,
                     std::string& tsv);

// The same rows in ClickHouse's RowBinary (FORMAT RowBinary, the columns of
// kRawEventsTableSql), for bulk loads: no text to escape or parse. With
// `nonce_offsets`, the offset in `rows` of each row's nonce is appended, so
// a copy of the rows can become another session by patching 8 bytes.
void AppendRawEventRows(const Config& config, std::string_view site, const SessionStart& start,
                        std::span<const Event> events, std::span<const std::string_view> strings,
                        RowBinaryWriter& rows, std::vector<size_t>* nonce_offsets = nullptr);

// The SELECT of each session's furthest step of `funnel_id` by windowFunnel
// over `db`.raw_events: every required step's micro-conversions as one
// condition (optional steps left out: windowFunnel has none). kOutOfRange
// when a step uses a micro-conversion kind raw events cannot express here.
Result<std::string> WindowFunnelSql(const Config& config, std::string_view funnel_id,
                                    std::string_view db);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_CLI_RAW_EVENTS_H_
