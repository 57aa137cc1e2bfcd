// A ClickHouse node spoken to over its HTTP interface (port 8123 by
// default) with libcurl: SQL in, RowBinary in and out. Thread-safe: each
// call borrows a keep-alive handle from a small pool, so the commit thread
// and report threads do not wait on each other's sockets. libcurl, not the
// collector's cpp-httplib: ClickHouse answers chunked, and httplib read a
// 4 MB chunked answer ~10x slower (ARCHITECTURE.md, "Dependencies").
//
// Errors are values: an unreachable node, a timeout or a server-side
// exception (HTTP 5xx/4xx with ClickHouse's message) is kUnavailable with
// the node and the first line of the message.
#ifndef MICROCONV_TOOLS_STORE_CLICKHOUSE_HTTP_H_
#define MICROCONV_TOOLS_STORE_CLICKHOUSE_HTTP_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "tools/store/clickhouse_row_binary.h"

typedef void CURL;

namespace microconv {

class ClickHouseHttp {
 public:
  // `settings` go with every request as URL parameters (e.g.
  // "database=x&insert_distributed_sync=1").
  ClickHouseHttp(std::string host, int port, std::string settings);
  ~ClickHouseHttp();
  ClickHouseHttp(const ClickHouseHttp&) = delete;
  ClickHouseHttp& operator=(const ClickHouseHttp&) = delete;

  // Runs a statement or a SELECT (its FORMAT in the SQL) and returns the
  // answer's body.
  Result<std::string> Query(std::string_view sql);
  // `INSERT INTO ... FORMAT RowBinary` with the rows as the body; ok once
  // ClickHouse answered 200 (see clickhouse_store.h for what that means).
  // `override_settings` ("name=value&...", names of the node's settings)
  // replace those for this insert.
  Status Insert(std::string_view insert_sql, const std::string& rows,
                std::string_view override_settings = "");
  // Runs a SELECT ... FORMAT RowBinary and hands each row to `visit` as it
  // streams in (memory stays flat however many rows come back). `shape`
  // names the columns so rows can be cut before they are read: '4' a 4-byte
  // integer, '8' an 8-byte one, 's' a String, 'a' an Array(UInt64).
  // `visit` returns false to stop.
  // `extra_settings` ("name=value&...") apply to this request only.
  using RowVisitor = std::function<bool(RowBinaryReader& row)>;
  Status Stream(std::string_view sql, std::string_view shape, const RowVisitor& visit,
                std::string_view extra_settings = "");

  const std::string& address() const { return address_; }

 private:
  // POSTs `body` to the node's `path`; each chunk of a 200 answer goes to
  // `receive` (false: stop reading); any other answer is an error with
  // ClickHouse's message.
  using Receiver = std::function<bool(std::string_view chunk)>;
  Status Post(const std::string& path, std::string_view body, const Receiver& receive);
  CURL* Borrow();
  void Return(CURL* handle);

  std::string host_;
  int port_;
  std::string settings_;
  std::string address_;  // host:port, for messages
  std::mutex mutex_;
  std::vector<CURL*> idle_;
};

// `text` as a single-quoted ClickHouse string literal.
std::string SqlString(std::string_view text);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_STORE_CLICKHOUSE_HTTP_H_
