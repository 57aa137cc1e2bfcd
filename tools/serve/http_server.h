// The collector's HTTP server: plain Request/Response types and a router,
// served by libmicrohttpd's event loop (epoll, a few I/O threads) so that an
// open connection costs memory, never a thread. Handlers run on a separate
// pool of worker threads, and only once a request is complete (headers and
// body): slow or idle clients cannot hold a worker, and a handler that waits
// (the durable commit of an ingest) holds its connection suspended, not the
// event loop. Live streams (EventStream) are suspended between events.
//
// The limits that hold against the open internet (issue 10 point 2) are all
// here and explicit (HttpLimits): a header deadline and a body deadline that
// no trickle extends, an idle keep-alive timeout, connections in total and
// per client address, a cap on the request line and headers (414/431) and a
// streaming body cap (413 as soon as a declared or chunked body passes it,
// never buffered whole). Ranges are never answered: every body is whole.
// Every response this server makes carries X-Content-Type-Options: nosniff;
// libmicrohttpd's own refusals of an oversized request line or headers
// (414/431, a fixed HTML text, before any handler) do not.
// A 304 carries "Content-Length: 0": libmicrohttpd 0.9.75 writes the empty
// body's length and offers no way to leave it out (RFC 9110 8.6 asks for the
// 200's or none; caches must not take it from a 304, RFC 9111 4.3.4).
//
// The handlers see only these types, never libmicrohttpd's.
#ifndef MICROCONV_TOOLS_SERVE_HTTP_SERVER_H_
#define MICROCONV_TOOLS_SERVE_HTTP_SERVER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace microconv {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST", ... ("HEAD" is routed as GET)
  std::string target;  // as sent: path and query, still percent-encoded
  std::string path;    // the target's path, percent-decoded (may hold NUL)
  HeaderList headers;  // as received, in order
  HeaderList params;   // the query, decoded ('+' is a space), in order
  std::string body;
  // The connection's client address (the one place handlers read it).
  std::string peer_address;
  // The route's captures: matches[0] is the whole path.
  std::vector<std::string> matches;

  // The first header named `name` (case-insensitive), or "".
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  // Every header named `name`, joined with ',' (a field sent several times
  // is one comma-separated list, RFC 9110 section 5.3), or "".
  std::string HeaderValues(std::string_view name) const;
  // The first query parameter named `name`, or "".
  std::string Param(std::string_view name) const;
};

// Lines of an event stream (text/event-stream): `next` is called at once
// and then every `interval`, appends the next event to `out` and returns
// false to end the stream; `closed` runs once when the stream ends, however
// it ends. Between events the stream holds no thread.
struct EventStream {
  std::chrono::milliseconds interval{1000};
  std::function<bool(std::string& out)> next;
  std::function<void()> closed;
};

struct Response {
  int status = 200;
  HeaderList headers;
  std::string body;
  std::shared_ptr<EventStream> stream;  // set: an event stream instead of `body`

  // A handler that answers later, from another thread (an ingest waits for
  // its batch's durable commit), calls Defer() and returns: the request
  // then holds its suspended connection but no thread, so the number of
  // requests waiting is bounded by connections, not by workers. Calling
  // the returned function once this Response holds the answer sends it
  // (AfterRoute runs then); it must be called exactly once.
  std::function<void()> Defer() {
    deferred = true;
    return defer();
  }
  bool deferred = false;
  std::function<std::function<void()>()> defer;  // set by the server

  // Replaces every header named `name` (case-insensitive).
  void SetHeader(const std::string& name, const std::string& value);
  // Adds one more (Set-Cookie).
  void AddHeader(const std::string& name, const std::string& value);
  bool HasHeader(std::string_view name) const;
  std::string Header(std::string_view name) const;
  void SetContent(std::string content, const std::string& content_type);
  void Redirect(const std::string& location, int redirect_status);
};

// Turns a whole-body 200 into a 206 of one byte range when the request
// asks for exactly one satisfiable range (`bytes=A-B`, `A-`, `-N`: video
// seeking); several ranges or anything else leave the 200 as it is, so a
// response is never planned from the request. Adds Accept-Ranges: bytes.
void ApplySingleRange(const Request& req, Response& res);

// Decodes %XX escapes (and '+' as a space when `plus_is_space`); a bad
// escape is kept as it is.
std::string PercentDecode(std::string_view text, bool plus_is_space);
// application/x-www-form-urlencoded (a query or a form body) as pairs.
HeaderList ParseUrlEncoded(std::string_view text);
// Percent-encodes everything but unreserved characters (RFC 3986).
std::string PercentEncode(std::string_view text);

struct HttpLimits {
  // A connection must have sent a whole request head this long after it
  // opened or after its previous response, however it trickles.
  int header_timeout_seconds = 10;
  // ... and its whole body this long after the head.
  int body_timeout_seconds = 10;
  // An idle keep-alive connection (no byte in or out) is closed after this.
  int idle_timeout_seconds = 5;
  int max_connections = 8192;
  int max_connections_per_address = 128;
  // The request line and headers together; beyond it: 414 (line) or 431.
  int max_header_bytes = 16 * 1024;
  // Request bodies; beyond it: 413.
  size_t max_body_bytes = 16 * 1024;
  // Threads running handlers (a waiting ingest holds one until it commits).
  int worker_threads = 64;
  // Threads running the event loop.
  int io_threads = 2;
};

using Handler = std::function<void(const Request&, Response&)>;
// Returns true when it answered the request in `res`.
using Filter = std::function<bool(const Request&, Response&)>;

class HttpServer {
 public:
  explicit HttpServer(HttpLimits limits);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes: the first whose method and pattern fit answers; GET routes
  // answer HEAD; no route: 404. A pattern is an exact path, "*" (any path),
  // or a path with one "{}": one non-empty segment without '/', captured
  // in matches[1] ("/config/{}.mcc"). No regex: a path is attacker input
  // up to the header cap long.
  void Route(const std::string& method, const std::string& pattern, Handler handler);
  void Get(const std::string& pattern, Handler handler) { Route("GET", pattern, handler); }
  void Post(const std::string& pattern, Handler handler) { Route("POST", pattern, handler); }
  // A route whose handler never blocks (it answers at once or Defer()s):
  // run on the event loop as soon as the request is whole, without the
  // hand-over to a worker thread and back (two thread switches per
  // request; the ingest route's cost under load). Exact paths only.
  void Quick(const std::string& method, const std::string& path, Handler handler);

  // Runs on the event loop once the head is in, before any byte of the
  // body is read: must be quick and never block. Answering closes the
  // connection after the response (the body stays unread).
  void BeforeBody(Filter filter) { before_body_ = std::move(filter); }
  // Runs on a worker before routing.
  void BeforeRoute(Filter filter) { before_route_ = std::move(filter); }
  // Runs for every answer from a route or a filter, before it is sent.
  void AfterRoute(std::function<void(const Request&, Response&)> hook) {
    after_route_ = std::move(hook);
  }

  // Binds and listens (so the port is known before serving).
  [[nodiscard]] Status Bind(const std::string& host, int port);
  // Serves until Stop(); in-flight requests are answered and event streams
  // ended before it returns.
  void Run();
  // Safe from any thread.
  void Stop();

 private:
  struct Engine;  // everything libmicrohttpd-facing (http_server.cc)
  struct RouteEntry {
    std::string method;
    std::string prefix;  // the whole path when !capture
    std::string suffix;
    bool capture = false;
    bool any = false;
    bool quick = false;
    Handler handler;
  };
  void Dispatch(Request& req, Response& res) const;
  // The request goes to a Quick route.
  bool IsQuick(const Request& req) const;

  HttpLimits limits_;
  std::vector<RouteEntry> routes_;
  Filter before_body_;
  Filter before_route_;
  std::function<void(const Request&, Response&)> after_route_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_SERVE_HTTP_SERVER_H_
