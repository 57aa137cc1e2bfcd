#include "tools/serve/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <set>
#include <thread>

#include "tools/serve/event_log.h"

namespace microconv {
namespace {

using Clock = std::chrono::steady_clock;

// How often deadlines are checked and due event streams woken.
constexpr std::chrono::milliseconds kTick{100};
// How long Run() waits for in-flight requests and streams when stopping.
constexpr std::chrono::seconds kDrainLimit{10};
constexpr int kListenBacklog = 1024;
// Kernel receive buffer of each connection (inherited from the listening
// socket): a request is at most its head and body caps, so a client cannot
// park megabytes in the kernel per connection (loopback autotunes to ~6 MB).
constexpr int kReceiveBufferBytes = 64 * 1024;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Find(const HeaderList& list, std::string_view name, bool ignore_case) {
  for (const auto& [key, value] : list) {
    if (ignore_case ? EqualsIgnoreCase(key, name) : key == name) return value;
  }
  return "";
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Answers straight on the socket and ends the sending side: for a request
// the library can no longer answer (it queues responses only before the
// body or after all of it), refused while its body is still arriving.
// Nothing else was sent on the connection for this request.
void RefuseOnSocket(int fd, int status, std::string_view reason) {
  if (fd < 0) return;
  const std::string phrase = status == 408 ? "Request Timeout" : "Content Too Large";
  const std::string answer = "HTTP/1.1 " + std::to_string(status) + " " + phrase +
                             "\r\nConnection: close\r\nContent-Type: text/plain\r\n"
                             "X-Content-Type-Options: nosniff\r\nContent-Length: " +
                             std::to_string(reason.size()) + "\r\n\r\n" + std::string(reason);
  [[maybe_unused]] const ssize_t sent = send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
  shutdown(fd, SHUT_WR);
}

}  // namespace

std::string Request::Header(std::string_view name) const { return Find(headers, name, true); }

bool Request::HasHeader(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& header) { return EqualsIgnoreCase(header.first, name); });
}

std::string Request::HeaderValues(std::string_view name) const {
  std::string joined;
  for (const auto& [key, value] : headers) {
    if (!EqualsIgnoreCase(key, name)) continue;
    if (!joined.empty()) joined += ',';
    joined += value;
  }
  return joined;
}

std::string Request::Param(std::string_view name) const { return Find(params, name, false); }

void Response::SetHeader(const std::string& name, const std::string& value) {
  std::erase_if(headers, [&](const auto& header) { return EqualsIgnoreCase(header.first, name); });
  headers.emplace_back(name, value);
}

void Response::AddHeader(const std::string& name, const std::string& value) {
  headers.emplace_back(name, value);
}

bool Response::HasHeader(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& header) { return EqualsIgnoreCase(header.first, name); });
}

std::string Response::Header(std::string_view name) const { return Find(headers, name, true); }

void Response::SetContent(std::string content, const std::string& content_type) {
  body = std::move(content);
  SetHeader("Content-Type", content_type);
}

void Response::Redirect(const std::string& location, int redirect_status) {
  status = redirect_status;
  SetHeader("Location", location);
}

void ApplySingleRange(const Request& req, Response& res) {
  if (res.status != 200 || res.stream != nullptr) return;
  res.SetHeader("Accept-Ranges", "bytes");
  const std::string range = req.Header("Range");
  constexpr std::string_view kUnit = "bytes=";
  if (!range.starts_with(kUnit) || range.find(',') != std::string::npos) return;
  const std::string_view spec = std::string_view(range).substr(kUnit.size());
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return;
  const auto number = [](std::string_view text, uint64_t& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size();
  };
  const uint64_t size = res.body.size();
  uint64_t first = 0, last = 0;
  if (dash == 0) {  // the last N bytes
    if (!number(spec.substr(1), last) || last == 0 || size == 0) return;
    first = size - std::min(last, size);
    last = size - 1;
  } else {
    if (!number(spec.substr(0, dash), first) || first >= size) return;
    last = size - 1;
    if (dash + 1 < spec.size()) {
      uint64_t asked = 0;
      if (!number(spec.substr(dash + 1), asked) || asked < first) return;
      last = std::min(asked, last);
    }
  }
  res.SetHeader("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) +
                                     "/" + std::to_string(size));
  res.body = res.body.substr(first, last - first + 1);
  res.status = 206;
}

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

HeaderList ParseUrlEncoded(std::string_view text) {
  HeaderList pairs;
  while (!text.empty()) {
    const size_t amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? "" : text.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    pairs.emplace_back(
        PercentDecode(pair.substr(0, eq), true),
        eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1), true));
  }
  return pairs;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

// Where a connection is, for its deadlines.
enum class Phase { kHead, kBody, kServed };

// One TCP connection (libmicrohttpd's socket context).
struct Connection {
  int fd = -1;
  std::string peer_address;
  std::atomic<Phase> phase{Phase::kHead};
  std::atomic<int64_t> since_ms{0};  // when the phase began (steady clock)
  bool cut = false;                  // shut down at a deadline (under Engine::mutex)
};

// One request on a connection (libmicrohttpd's request context).
struct Exchange {
  void* engine = nullptr;  // the HttpServer::Engine serving it
  MHD_Connection* connection = nullptr;
  Connection* socket = nullptr;
  Request req;
  Response res;
  bool headed = false;      // the head was seen by the access handler
  bool dispatched = false;  // handed to a worker
  bool answered = false;    // the worker's response is ready
  bool close = false;       // close the connection after the response
  // Event streams: the bytes not yet handed to the library, and when the
  // next event is due.
  std::string pending;
  size_t pending_at = 0;
  Clock::time_point next_due{};
  bool stream_queued = false;  // counted in Engine::open_streams
  // A deferred answer (Response::Defer) is sent when both the worker and
  // the finisher are done with it, whichever is last.
  std::atomic<int> holds{1};
};

namespace {
// Milliseconds on the steady clock: deadlines must not jump with the wall.
int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}
}  // namespace

struct HttpServer::Engine {
  HttpServer& server;
  MHD_Daemon* daemon = nullptr;
  int listen_fd = -1;

  std::mutex mutex;  // guards everything below
  std::condition_variable work_ready;
  std::condition_variable state_changed;
  std::deque<Exchange*> work;
  std::set<Connection*> connections;
  std::list<Exchange*> parked;  // idle event streams, suspended
  int in_flight = 0;            // dispatched, not yet resumed
  int open_streams = 0;
  bool stopping = false;
  bool run_done = false;
  std::vector<std::thread> workers;
  std::thread ticker;

  explicit Engine(HttpServer& owner) : server(owner) {}

  // --- libmicrohttpd callbacks (static trampolines) ---

  static void OnConnection(void* cls, MHD_Connection* connection, void** socket_context,
                           MHD_ConnectionNotificationCode code) {
    auto* engine = static_cast<Engine*>(cls);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      auto* socket = new Connection;
      const MHD_ConnectionInfo* fd =
          MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
      if (fd != nullptr) socket->fd = fd->connect_fd;
      socket->peer_address = PeerAddress(connection);
      socket->since_ms = SteadyMs();
      std::lock_guard lock(engine->mutex);
      engine->connections.insert(socket);
      *socket_context = socket;
      return;
    }
    auto* socket = static_cast<Connection*>(*socket_context);
    if (socket == nullptr) return;
    {
      // The library closes the descriptor only after this returns, so the
      // ticker never shuts down a reused descriptor.
      std::lock_guard lock(engine->mutex);
      engine->connections.erase(socket);
    }
    delete socket;
    *socket_context = nullptr;
  }

  static std::string PeerAddress(MHD_Connection* connection) {
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == nullptr || info->client_addr == nullptr) return "";
    char text[INET6_ADDRSTRLEN] = "";
    const sockaddr* address = info->client_addr;
    if (address->sa_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text,
                sizeof text);
    } else if (address->sa_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text,
                sizeof text);
    }
    return text;
  }

  // Called with the raw request target once the request line is in: the
  // request context starts here, so the handlers see the target undecoded.
  static void* OnRequestLine(void* cls, const char* uri, MHD_Connection* connection) {
    auto* exchange = new Exchange;
    exchange->engine = cls;
    exchange->connection = connection;
    exchange->req.target = OriginForm(uri);
    return exchange;
  }

  // The target in origin form (path and query): a server must accept the
  // absolute form too (RFC 9112 3.2.2), "http://host:port/path?query",
  // whose scheme and authority say nothing the routes need.
  static std::string OriginForm(std::string_view target) {
    for (const std::string_view scheme : {"http://", "https://"}) {
      if (target.size() < scheme.size() ||
          !EqualsIgnoreCase(target.substr(0, scheme.size()), scheme))
        continue;
      const std::string_view rest = target.substr(scheme.size());
      const size_t path = rest.find_first_of("/?");
      if (path == std::string_view::npos) return "/";
      return rest[path] == '/' ? std::string(rest.substr(path))
                               : "/" + std::string(rest.substr(path));
    }
    return std::string(target);
  }

  static MHD_Result OnRequest(void* cls, MHD_Connection* connection, const char*,
                              const char* method, const char*, const char* upload_data,
                              size_t* upload_data_size, void** request_context) {
    auto* engine = static_cast<Engine*>(cls);
    auto* exchange = static_cast<Exchange*>(*request_context);
    if (exchange == nullptr) return MHD_NO;
    if (!exchange->headed) return engine->OnHead(connection, exchange, method);
    // Answered from the head: its body is never read.
    if (exchange->answered && *upload_data_size > 0) return MHD_NO;
    if (*upload_data_size > 0) {
      return engine->OnBody(exchange, upload_data, upload_data_size);
    }
    if (!exchange->dispatched) return engine->Dispatch(connection, exchange);
    return engine->Queue(exchange);
  }

  // Hands a whole request to the workers, its connection suspended until
  // the answer is ready; once stopping, refuses it instead (nothing may be
  // suspended when the daemon stops).
  MHD_Result Dispatch(MHD_Connection* connection, Exchange* exchange) {
    exchange->dispatched = true;
    exchange->socket->phase = Phase::kServed;
    bool quick = false;
    {
      std::lock_guard lock(mutex);
      // Counted before the suspension, so Run() waits for it.
      if (!stopping)
        ++in_flight;
      else
        exchange->answered = true;
    }
    if (!exchange->answered && server.IsQuick(exchange->req)) quick = true;
    if (exchange->answered) {
      exchange->res.status = 503;
      exchange->res.SetHeader("Retry-After", "5");
      exchange->res.SetContent("shutting_down: retry later", "text/plain");
      return Answer(exchange);
    }
    // Suspended before it is queued: a worker may resume it at once.
    MHD_suspend_connection(connection);
    if (quick) {
      Serve(exchange);  // here, on the event loop; resumed when answered
      return MHD_YES;
    }
    std::lock_guard lock(mutex);
    work.push_back(exchange);
    work_ready.notify_one();
    return MHD_YES;
  }

  MHD_Result OnHead(MHD_Connection* connection, Exchange* exchange, const char* method) {
    exchange->headed = true;
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    exchange->socket = static_cast<Connection*>(info->socket_context);
    exchange->socket->phase = Phase::kBody;
    exchange->socket->since_ms = SteadyMs();
    Request& req = exchange->req;
    req.method = method;
    req.peer_address = exchange->socket->peer_address;
    MHD_get_connection_values_n(
        connection, MHD_HEADER_KIND,
        [](void* cls, MHD_ValueKind, const char* key, size_t key_size, const char* value,
           size_t value_size) {
          static_cast<HeaderList*>(cls)->emplace_back(std::string(key, key_size),
                                                      std::string(value, value_size));
          return MHD_YES;
        },
        &req.headers);
    const size_t query = req.target.find('?');
    req.path = PercentDecode(std::string_view(req.target).substr(0, query), false);
    if (query != std::string::npos) {
      req.params = ParseUrlEncoded(std::string_view(req.target).substr(query + 1));
    }
    // Refused from the head alone: a declared body above the cap, or the
    // owner's filter. The body is never read, so the connection closes.
    const std::string length = req.Header("Content-Length");
    uint64_t declared = 0;
    auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), declared);
    if (!length.empty() && ec == std::errc() && end == length.data() + length.size() &&
        declared > server.limits_.max_body_bytes) {
      exchange->res.status = 413;
      exchange->res.SetContent(
          "too_large: body above " + std::to_string(server.limits_.max_body_bytes) + " bytes",
          "text/plain");
      return Answer(exchange);
    }
    if (server.before_body_ && server.before_body_(req, exchange->res)) return Answer(exchange);
    return MHD_YES;
  }

  MHD_Result Answer(Exchange* exchange) {
    exchange->close = true;
    if (server.after_route_) server.after_route_(exchange->req, exchange->res);
    exchange->answered = true;
    exchange->dispatched = true;
    return Queue(exchange);
  }

  MHD_Result OnBody(Exchange* exchange, const char* data, size_t* size) {
    std::string& body = exchange->req.body;
    if (body.size() + *size > server.limits_.max_body_bytes) {
      // A chunked body passed the cap: refused now, the rest never read.
      RefuseOnSocket(
          exchange->socket->fd, 413,
          "too_large: body above " + std::to_string(server.limits_.max_body_bytes) + " bytes");
      if (server.after_route_) {
        exchange->res.status = 413;
        server.after_route_(exchange->req, exchange->res);
      }
      return MHD_NO;
    }
    body.append(data, *size);
    *size = 0;
    return MHD_YES;
  }

  // Hands the finished response to the library.
  MHD_Result Queue(Exchange* exchange) {
    Response& res = exchange->res;
    MHD_Response* response;
    if (res.stream != nullptr) {
      response =
          MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, &ReadStream, exchange, nullptr);
      std::lock_guard lock(mutex);
      ++open_streams;
      exchange->stream_queued = true;
    } else {
      // The body lives in the exchange until the request completes.
      response =
          MHD_create_response_from_buffer(res.body.size(), res.body.data(), MHD_RESPMEM_PERSISTENT);
    }
    if (response == nullptr) return MHD_NO;
    for (const auto& [name, value] : res.headers) {
      MHD_add_response_header(response, name.c_str(), value.c_str());
    }
    if (!res.HasHeader("X-Content-Type-Options")) {
      MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    }
    if (exchange->close) MHD_add_response_header(response, "Connection", "close");
    const MHD_Result queued =
        MHD_queue_response(exchange->connection, static_cast<unsigned>(res.status), response);
    MHD_destroy_response(response);
    return queued;
  }

  static ssize_t ReadStream(void* cls, uint64_t, char* buffer, size_t max) {
    auto* exchange = static_cast<Exchange*>(cls);
    return static_cast<Engine*>(exchange->engine)->NextStreamBytes(exchange, buffer, max);
  }

  ssize_t NextStreamBytes(Exchange* exchange, char* buffer, size_t max) {
    if (exchange->pending_at >= exchange->pending.size()) {
      exchange->pending.clear();
      exchange->pending_at = 0;
      {
        std::lock_guard lock(mutex);
        if (stopping) return MHD_CONTENT_READER_END_OF_STREAM;
      }
      const auto now = Clock::now();
      if (now < exchange->next_due) {
        // Nothing due: park the stream, suspended (no thread, no polling),
        // until the ticker wakes it.
        MHD_suspend_connection(exchange->connection);
        std::lock_guard lock(mutex);
        parked.push_back(exchange);
        return 0;
      }
      exchange->next_due = now + exchange->res.stream->interval;
      if (!exchange->res.stream->next(exchange->pending)) return MHD_CONTENT_READER_END_OF_STREAM;
      if (exchange->pending.empty()) return 0;
    }
    const size_t n = std::min(max, exchange->pending.size() - exchange->pending_at);
    std::memcpy(buffer, exchange->pending.data() + exchange->pending_at, n);
    exchange->pending_at += n;
    return static_cast<ssize_t>(n);
  }

  static void OnCompleted(void* cls, MHD_Connection*, void** request_context,
                          MHD_RequestTerminationCode) {
    auto* engine = static_cast<Engine*>(cls);
    auto* exchange = static_cast<Exchange*>(*request_context);
    if (exchange == nullptr) return;
    *request_context = nullptr;
    if (exchange->socket != nullptr) {
      // The next request's head is due from now.
      exchange->socket->phase = Phase::kHead;
      exchange->socket->since_ms = SteadyMs();
    }
    if (exchange->stream_queued) {
      std::lock_guard lock(engine->mutex);
      engine->parked.remove(exchange);
      --engine->open_streams;
      engine->state_changed.notify_all();
    }
    // The handler took whatever the stream holds (a live-stream slot).
    if (exchange->res.stream != nullptr && exchange->answered && exchange->res.stream->closed) {
      exchange->res.stream->closed();
    }
    delete exchange;
  }

  // --- workers and the ticker ---

  void Work() {
    while (true) {
      Exchange* exchange;
      {
        std::unique_lock lock(mutex);
        work_ready.wait(lock, [&] { return !work.empty() || run_done; });
        if (work.empty()) return;
        exchange = work.front();
        work.pop_front();
      }
      Serve(exchange);
    }
  }

  // Runs the route; the answer goes out when the handler returns or, when
  // it deferred, once it finished.
  void Serve(Exchange* exchange) {
    exchange->res.defer = [this, exchange] {
      exchange->holds = 2;
      return std::function<void()>([this, exchange] {
        if (server.after_route_) server.after_route_(exchange->req, exchange->res);
        Release(exchange);
      });
    };
    server.Dispatch(exchange->req, exchange->res);
    Release(exchange);
  }

  // Sends the answer once its last holder lets go (see Exchange::holds).
  void Release(Exchange* exchange) {
    if (exchange->holds.fetch_sub(1) != 1) return;
    if (exchange->res.stream != nullptr) exchange->next_due = Clock::now();
    exchange->answered = true;
    std::lock_guard lock(mutex);
    MHD_resume_connection(exchange->connection);
    --in_flight;
    // Only the drain at stop waits for in_flight: waking the ticker on every
    // answer cost a futex wake-up and a scan of every connection per request.
    if (stopping) state_changed.notify_all();
  }

  void Tick() {
    std::unique_lock lock(mutex);
    while (!run_done) {
      state_changed.wait_for(lock, kTick);
      const auto now = Clock::now();
      const int64_t now_ms = SteadyMs();
      for (auto it = parked.begin(); it != parked.end();) {
        if (stopping || (*it)->next_due <= now) {
          MHD_resume_connection((*it)->connection);
          it = parked.erase(it);
        } else {
          ++it;
        }
      }
      const int64_t head_ms = int64_t{server.limits_.header_timeout_seconds} * 1000;
      const int64_t body_ms = int64_t{server.limits_.body_timeout_seconds} * 1000;
      for (Connection* socket : connections) {
        const Phase phase = socket->phase;
        const int64_t age = now_ms - socket->since_ms;
        if (socket->cut || socket->fd < 0) continue;
        // The event loop then sees the end of the stream and closes it.
        if (phase == Phase::kHead && age > head_ms) {
          shutdown(socket->fd, SHUT_RDWR);
          socket->cut = true;
        } else if (phase == Phase::kBody && age > body_ms) {
          RefuseOnSocket(socket->fd, 408, "request_timeout: body not received in time");
          shutdown(socket->fd, SHUT_RD);
          socket->cut = true;
        }
      }
    }
  }
};

HttpServer::HttpServer(HttpLimits limits)
    : limits_(limits), engine_(std::make_unique<Engine>(*this)) {}

HttpServer::~HttpServer() {
  // Bound but never run.
  if (engine_->daemon == nullptr && engine_->listen_fd >= 0) close(engine_->listen_fd);
}

void HttpServer::Route(const std::string& method, const std::string& pattern, Handler handler) {
  RouteEntry route{method, pattern, "", false, pattern == "*", false, std::move(handler)};
  if (const size_t hole = pattern.find("{}"); hole != std::string::npos) {
    route.prefix = pattern.substr(0, hole);
    route.suffix = pattern.substr(hole + 2);
    route.capture = true;
  }
  routes_.push_back(std::move(route));
}

void HttpServer::Quick(const std::string& method, const std::string& path, Handler handler) {
  routes_.push_back({method, path, "", false, false, true, std::move(handler)});
}

bool HttpServer::IsQuick(const Request& req) const {
  // The first route that would answer decides (as Dispatch picks it).
  for (const RouteEntry& route : routes_) {
    if (route.method != req.method) continue;
    if (route.any || (!route.capture && req.path == route.prefix)) return route.quick;
    if (route.capture && req.path.starts_with(route.prefix)) return false;
  }
  return false;
}

void HttpServer::Dispatch(Request& req, Response& res) const {
  if (!before_route_ || !before_route_(req, res)) {
    const std::string& method = req.method == "HEAD" ? std::string("GET") : req.method;
    const std::string& path = req.path;
    const RouteEntry* found = nullptr;
    for (const RouteEntry& route : routes_) {
      if (route.method != method) continue;
      if (route.any || (!route.capture && path == route.prefix)) {
        req.matches = {path};
      } else if (route.capture && path.size() > route.prefix.size() + route.suffix.size() &&
                 path.starts_with(route.prefix) && path.ends_with(route.suffix)) {
        std::string segment = path.substr(route.prefix.size(),
                                          path.size() - route.prefix.size() - route.suffix.size());
        if (segment.find('/') != std::string::npos) continue;
        req.matches = {path, std::move(segment)};
      } else {
        continue;
      }
      found = &route;
      break;
    }
    if (found == nullptr) {
      res.status = 404;
    } else {
      found->handler(req, res);
    }
  }
  if (after_route_ && !res.deferred) after_route_(req, res);
}

Status HttpServer::Bind(const std::string& host, int port) {
  const std::string where = host + ":" + std::to_string(port);
  sockaddr_storage address{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  const std::string bare =
      host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  if (inet_pton(AF_INET, bare == "localhost" ? "127.0.0.1" : bare.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    length = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, bare.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    length = sizeof(sockaddr_in6);
  } else {
    return {Error::kInvalidConfig, "cannot listen on " + where + ": not an IP address"};
  }
  const int fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int yes = 1;
  if (fd < 0) return {Error::kInvalidConfig, "cannot listen on " + where};
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kReceiveBufferBytes, sizeof kReceiveBufferBytes);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      listen(fd, kListenBacklog) != 0) {
    close(fd);
    return {Error::kInvalidConfig, "cannot listen on " + where + ": " + std::strerror(errno)};
  }
  // Served from Run(): until then connections wait in the backlog.
  engine_->listen_fd = fd;
  return {};
}

void HttpServer::Run() {
  Engine& engine = *engine_;
  if (engine.listen_fd < 0 || engine.daemon != nullptr) return;
  // The request line and headers share the connection's memory pool with
  // the response headers: the cap plus room for those.
  const size_t memory = size_t(limits_.max_header_bytes) + 2048;
  engine.daemon = MHD_start_daemon(
      MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, nullptr,
      nullptr, &Engine::OnRequest, &engine, MHD_OPTION_LISTEN_SOCKET, engine.listen_fd,
      MHD_OPTION_THREAD_POOL_SIZE, unsigned(limits_.io_threads), MHD_OPTION_CONNECTION_LIMIT,
      unsigned(limits_.max_connections), MHD_OPTION_PER_IP_CONNECTION_LIMIT,
      unsigned(limits_.max_connections_per_address), MHD_OPTION_CONNECTION_TIMEOUT,
      unsigned(limits_.idle_timeout_seconds), MHD_OPTION_CONNECTION_MEMORY_LIMIT, memory,
      MHD_OPTION_URI_LOG_CALLBACK, &Engine::OnRequestLine, &engine, MHD_OPTION_NOTIFY_CONNECTION,
      &Engine::OnConnection, &engine, MHD_OPTION_NOTIFY_COMPLETED, &Engine::OnCompleted, &engine,
      MHD_OPTION_END);
  if (engine.daemon == nullptr) {
    LogEvent("serve: libmicrohttpd did not start; not serving");
    close(engine.listen_fd);
    engine.listen_fd = -1;
    return;
  }
  for (int i = 0; i < limits_.worker_threads; ++i) {
    engine.workers.emplace_back([&engine] { engine.Work(); });
  }
  engine.ticker = std::thread([&engine] { engine.Tick(); });
  std::unique_lock lock(engine.mutex);
  engine.state_changed.wait(lock, [&] { return engine.stopping; });
  // No new connections; the ticker ends the parked streams and workers
  // answer what they hold.
  lock.unlock();
  MHD_quiesce_daemon(engine.daemon);
  lock.lock();
  const bool drained = engine.state_changed.wait_for(lock, kDrainLimit, [&] {
    return engine.in_flight == 0 && engine.open_streams == 0 && engine.work.empty();
  });
  if (!drained) LogEvent("serve: stopping with requests still in flight");
  engine.run_done = true;
  engine.work_ready.notify_all();
  engine.state_changed.notify_all();
  lock.unlock();
  for (std::thread& worker : engine.workers) worker.join();
  engine.workers.clear();
  engine.ticker.join();
  // Nothing is suspended any more (the ticker resumed every parked stream).
  MHD_stop_daemon(engine.daemon);
  engine.daemon = nullptr;
  if (engine.listen_fd >= 0) close(engine.listen_fd);
  engine.listen_fd = -1;
}

void HttpServer::Stop() {
  std::lock_guard lock(engine_->mutex);
  engine_->stopping = true;
  engine_->state_changed.notify_all();
}

}  // namespace microconv
