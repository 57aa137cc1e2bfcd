#include "tools/store/clickhouse_http.h"

#include <curl/curl.h>

#include <cctype>

namespace microconv {
namespace {

// Idle connections kept per node: enough for the commit thread plus a few
// concurrent reports; more are opened when needed and closed after use.
constexpr size_t kMaxIdleConnections = 8;
// Connect: a node that does not accept within this is down (503 at once,
// not after a long wait). Read: a report's day rebuild may stream for long.
constexpr long kConnectSeconds = 2;
constexpr long kReadSeconds = 300;

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
    if (column == 'a') {  // Array(UInt64): n values of 8 bytes
      if (n > (bytes.size() - at) / 8) return 0;
      n *= 8;
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
      address_(host_ + ":" + std::to_string(port_)) {
  static std::once_flag global;
  std::call_once(global, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

ClickHouseHttp::~ClickHouseHttp() {
  for (CURL* handle : idle_) curl_easy_cleanup(handle);
}

CURL* ClickHouseHttp::Borrow() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      CURL* handle = idle_.back();
      idle_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void ClickHouseHttp::Return(CURL* handle) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < kMaxIdleConnections) {
    idle_.push_back(handle);
  } else {
    curl_easy_cleanup(handle);
  }
}

namespace {

struct Transfer {
  CURL* handle = nullptr;
  const std::function<bool(std::string_view)>* receive = nullptr;
  long status = 0;
  bool stopped = false;
  std::string error_body;
};

size_t OnData(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t length = size * count;
  if (transfer->status == 0) {
    curl_easy_getinfo(transfer->handle, CURLINFO_RESPONSE_CODE, &transfer->status);
  }
  if (transfer->status != 200) {
    if (transfer->error_body.size() < 4096) transfer->error_body.append(data, length);
    return length;
  }
  if (!(*transfer->receive)(std::string_view(data, length))) {
    transfer->stopped = true;
    return 0;  // libcurl ends the transfer
  }
  return length;
}

}  // namespace

Status ClickHouseHttp::Post(const std::string& path, std::string_view body,
                            const Receiver& receive) {
  CURL* handle = Borrow();
  if (handle == nullptr) return {Error::kUnavailable, "clickhouse: libcurl failed to start"};
  const std::string url = "http://" + address_ + path;
  Transfer transfer;
  transfer.handle = handle;
  transfer.receive = &receive;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/octet-stream");
  // No "Expect: 100-continue" round trip before a large insert.
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_POST, 1L);
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, OnData);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
  curl_easy_setopt(handle, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, kConnectSeconds);
  // A stalled answer, not a long one, is the failure: less than 1 byte/s
  // for kReadSeconds.
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, kReadSeconds);
  const CURLcode code = curl_easy_perform(handle);
  curl_slist_free_all(headers);
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, nullptr);
  if (transfer.stopped) {
    curl_easy_cleanup(handle);  // cut mid-answer: the connection is not reusable
    return {};
  }
  if (code != CURLE_OK) {
    curl_easy_cleanup(handle);
    return {Error::kUnavailable, "clickhouse " + address_ + ": " + curl_easy_strerror(code)};
  }
  if (transfer.status == 0) curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &transfer.status);
  Return(handle);
  if (transfer.status != 200) {
    return {Error::kUnavailable, "clickhouse " + address_ + ": HTTP " +
                                     std::to_string(transfer.status) + ": " +
                                     FirstLine(transfer.error_body)};
  }
  return {};
}

Result<std::string> ClickHouseHttp::Query(std::string_view sql) {
  std::string answer;
  Status posted = Post("/?" + settings_, sql, [&](std::string_view chunk) {
    answer.append(chunk);
    return true;
  });
  if (!posted.ok()) return {posted.error, posted.message};
  return answer;
}

Status ClickHouseHttp::Insert(std::string_view insert_sql, const std::string& rows,
                              std::string_view override_settings) {
  // Each "name=value" of `override_settings` replaces the node's own.
  std::string settings = settings_;
  while (!override_settings.empty()) {
    const size_t amp = override_settings.find('&');
    const std::string_view setting = override_settings.substr(0, amp);
    override_settings = amp == std::string_view::npos ? "" : override_settings.substr(amp + 1);
    const std::string name(setting.substr(0, setting.find('=') + 1));
    for (size_t at = 0; at < settings.size();) {
      const size_t end = std::min(settings.find('&', at), settings.size());
      if (settings.compare(at, name.size(), name) == 0) {
        settings.replace(at, end - at, setting);
        break;
      }
      at = end + 1;
    }
  }
  return Post("/?" + settings + "&query=" + UrlEncode(insert_sql), rows,
              [](std::string_view) { return true; });
}

Status ClickHouseHttp::Stream(std::string_view sql, std::string_view shape, const RowVisitor& visit,
                              std::string_view extra_settings) {
  std::string path = "/?" + settings_;
  if (!extra_settings.empty()) path += "&" + std::string(extra_settings);
  std::string pending;
  size_t at = 0;  // rows before `at` are done
  bool stopped = false;
  Status posted = Post(path, sql, [&](std::string_view chunk) {
    pending.append(chunk);
    while (size_t row_length = RowLength(std::string_view(pending).substr(at), shape)) {
      RowBinaryReader row(std::string_view(pending).substr(at, row_length));
      at += row_length;
      if (!visit(row)) {
        stopped = true;
        return false;
      }
    }
    pending.erase(0, at);
    at = 0;
    return true;
  });
  if (!posted.ok()) return posted;
  // Stopped by `visit`: the rows after it in the chunk were never wanted
  // (they read as a truncated answer below).
  if (stopped) return {};
  // ClickHouse reports an error met mid-stream as text after the rows.
  if (pending.size() > at) {
    return {Error::kUnavailable, "clickhouse " + address_ + ": answer ends inside a row: " +
                                     FirstLine(pending.substr(at, 300))};
  }
  return {};
}

}  // namespace microconv
