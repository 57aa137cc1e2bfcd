#include "tools/store/clickhouse_http.h"

#include <httplib.h>

namespace microconv {
namespace {

// Idle connections kept per node: enough for the commit thread plus a few
// concurrent reports; more are opened when needed and closed after use.
constexpr size_t kMaxIdleConnections = 8;
// Connect: a node that does not accept within this is down (503 at once,
// not after a long wait). Read: a report's day rebuild may stream for long.
constexpr time_t kConnectSeconds = 2;
constexpr time_t kReadSeconds = 300;

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3 / 2);
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > 500) line.resize(500);
  return line;
}

// The length of the first complete row of `shape` in `bytes`, or 0 when
// the bytes end before it does.
size_t RowLength(std::string_view bytes, std::string_view shape) {
  size_t at = 0;
  for (char column : shape) {
    if (column == '4' || column == '8') {
      at += column - '0';
      if (at > bytes.size()) return 0;
      continue;
    }
    uint64_t n = 0;
    for (int shift = 0;; shift += 7) {
      if (at >= bytes.size() || shift > 63) return 0;
      const auto byte = static_cast<uint8_t>(bytes[at++]);
      n |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) break;
    }
    if (n > bytes.size() - at) return 0;
    at += n;
  }
  return at;
}

}  // namespace

std::string SqlString(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

ClickHouseHttp::ClickHouseHttp(std::string host, int port, std::string settings)
    : host_(std::move(host)),
      port_(port),
      settings_(std::move(settings)),
      address_(host_ + ":" + std::to_string(port_)) {}

ClickHouseHttp::~ClickHouseHttp() = default;

std::unique_ptr<httplib::Client> ClickHouseHttp::Borrow() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  auto client = std::make_unique<httplib::Client>(host_, port_);
  client->set_keep_alive(true);
  client->set_connection_timeout(kConnectSeconds, 0);
  client->set_read_timeout(kReadSeconds, 0);
  client->set_write_timeout(kReadSeconds, 0);
  return client;
}

void ClickHouseHttp::Return(std::unique_ptr<httplib::Client> client) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < kMaxIdleConnections) idle_.push_back(std::move(client));
}

Result<std::string> ClickHouseHttp::Post(const std::string& path, const std::string& body) {
  auto client = Borrow();
  auto res = client->Post(path, body, "application/octet-stream");
  if (!res) {
    return {Error::kUnavailable,
            "clickhouse " + address_ + ": " + httplib::to_string(res.error())};
  }
  if (res->status != 200) {
    return {Error::kUnavailable, "clickhouse " + address_ + ": HTTP " +
                                     std::to_string(res->status) + ": " + FirstLine(res->body)};
  }
  std::string answer = std::move(res->body);
  Return(std::move(client));
  return answer;
}

Result<std::string> ClickHouseHttp::Query(std::string_view sql) {
  return Post("/?" + settings_, std::string(sql));
}

Status ClickHouseHttp::Insert(std::string_view insert_sql, const std::string& rows) {
  auto answer = Post("/?" + settings_ + "&query=" + UrlEncode(insert_sql), rows);
  if (!answer.ok()) return {answer.error(), answer.message()};
  return {};
}

}  // namespace microconv

namespace microconv {

Status ClickHouseHttp::Stream(std::string_view sql, std::string_view shape,
                              const RowVisitor& visit, std::string_view extra_settings) {
  auto client = Borrow();
  std::string pending, error_body;
  bool stopped = false;
  int status = 0;
  httplib::Request req;
  req.method = "POST";
  req.path = "/?" + settings_;
  if (!extra_settings.empty()) req.path += "&" + std::string(extra_settings);
  req.body = std::string(sql);
  req.headers.emplace("Content-Type", "text/plain");
  req.response_handler = [&](const httplib::Response& response) {
    status = response.status;
    return true;
  };
  req.content_receiver = [&](const char* data, size_t length, uint64_t, uint64_t) {
    if (status != 200) {
      error_body.append(data, length);
      return error_body.size() < 4096;
    }
    pending.append(data, length);
    size_t at = 0;
    while (size_t row_length = RowLength(std::string_view(pending).substr(at), shape)) {
      RowBinaryReader row(std::string_view(pending).substr(at, row_length));
      at += row_length;
      if (!visit(row)) {
        stopped = true;
        return false;
      }
    }
    pending.erase(0, at);
    return true;
  };
  auto res = client->send(req);
  if (stopped) return {};  // the connection was cut on purpose: not reused
  if (!res) {
    return {Error::kUnavailable,
            "clickhouse " + address_ + ": " + httplib::to_string(res.error())};
  }
  if (status != 200) {
    return {Error::kUnavailable, "clickhouse " + address_ + ": HTTP " + std::to_string(status) +
                                     ": " + FirstLine(error_body)};
  }
  // ClickHouse reports an error met mid-stream as text after the rows.
  if (!pending.empty()) {
    return {Error::kUnavailable, "clickhouse " + address_ + ": answer ends inside a row: " +
                                     FirstLine(pending.substr(0, 300))};
  }
  Return(std::move(client));
  return {};
}

}  // namespace microconv
