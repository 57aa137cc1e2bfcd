#include "tools/serve/collector.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <span>
#include <vector>

#include "core/json_writer.h"
#include "core/report_json.h"
#include "core/report_query.h"
#include "core/summary.h"
#include "tools/base/wall_clock.h"
#include "tools/serve/event_log.h"
#include "tools/store/report_runner.h"

namespace microconv {
namespace {

constexpr int kListenBacklog = 1024;
constexpr const char* kCollectPath = "/api/collect";

// The media type without parameters, lowercased.
std::string MediaType(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type;
}

// Metric label of a request path: a fixed set, so attacker-chosen paths
// cannot grow the metrics.
std::string EndpointLabel(const std::string& path) {
  if (path == kCollectPath) return "collect";
  if (path.starts_with("/api/report/")) return "report";
  if (path.starts_with("/api/live/")) return "live";
  if (path == "/api/sites") return "sites";
  if (path.starts_with("/config/")) return "config";
  if (path == "/metrics") return "metrics";
  if (path == "/healthz") return "healthz";
  if (path.starts_with("/dashboard")) return "dashboard";
  return "static";
}

std::string DefaultReason(int status) {
  switch (status) {
    case 400:
      return "bad_request: malformed request or body not received in time";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "too_large: body above " + std::to_string(kMaxSummaryBytes) + " bytes";
    case 414:
      return "uri_too_long";
    default:
      return "error " + std::to_string(status);
  }
}

// After answering from the headers alone the unread body is still on the
// socket: the connection must close instead of parsing it as a request.
// httplib 0.11 decides keep-alive from the request's Connection header after
// routing, so the pre-routing handler marks the request itself.
void CloseAfterResponse(const httplib::Request& req) {
  const_cast<httplib::Request&>(req).set_header("Connection", "close");
}

void AllowAnyOrigin(httplib::Response& res) { res.set_header("Access-Control-Allow-Origin", "*"); }

std::string HexHash(uint32_t hash) {
  char text[16];
  std::snprintf(text, sizeof(text), "%08x", hash);
  return text;
}

}  // namespace

Collector::Collector(CollectorOptions options, SiteRegistry& sites, SummaryStore& store,
                     CommitQueue& commits, CollectorMetrics& metrics, LiveBoard& live,
                     Access& access, StoreWatch& watch)
    : options_(std::move(options)),
      sites_(sites),
      store_(store),
      commits_(commits),
      metrics_(metrics),
      live_(live),
      access_(access),
      watch_(watch),
      limiter_(options_.rate_per_second, options_.rate_burst),
      server_(std::make_unique<httplib::Server>()) {
  Routes();
}

Collector::~Collector() = default;

void Collector::Routes() {
  httplib::Server& svr = *server_;
  const int threads = options_.threads;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_payload_max_length(kMaxSummaryBytes);
  svr.set_read_timeout(options_.read_timeout_seconds, 0);
  svr.set_write_timeout(5, 0);
  svr.set_keep_alive_max_count(1000);
  svr.set_keep_alive_timeout(options_.read_timeout_seconds);
  svr.set_tcp_nodelay(true);
  // The Debian build fixes the listen backlog at 5; the options hook sees
  // the listening socket first, so Bind() can raise the backlog on it.
  svr.set_socket_options([this](int fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (listen_fd_ < 0) listen_fd_ = fd;
  });

  svr.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    return PreRoute(req, res) ? httplib::Server::HandlerResponse::Handled
                              : httplib::Server::HandlerResponse::Unhandled;
  });
  // "Expect: 100-continue" is answered before pre-routing: refuse there, so
  // the client never sends a body we would not read.
  svr.set_expect_100_continue_handler([this](const httplib::Request& req, httplib::Response& res) {
    return RejectByHeaders(req, res) ? res.status : 100;
  });
  svr.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (res.body.empty()) res.set_content(DefaultReason(res.status), "text/plain");
        return httplib::Server::HandlerResponse::Handled;
      }));
  svr.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content("internal_error", "text/plain");
      });
  // Counted before the response is written (the logger runs after it), so a
  // client that reads /metrics after its answer always sees its request.
  svr.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    metrics_.CountRequest(EndpointLabel(req.path), res.status);
  });

  svr.Post(kCollectPath, [this](const auto& req, auto& res) { Collect(req, res); });
  svr.Options(kCollectPath, [](const auto&, auto& res) {
    AllowAnyOrigin(res);
    res.set_header("Access-Control-Allow-Methods", "POST, OPTIONS");
    res.set_header("Access-Control-Allow-Headers", "Content-Type");
    res.set_header("Access-Control-Max-Age", "86400");
    res.status = 204;
  });
  auto wrong_method = [this](const auto&, auto& res) {
    res.set_header("Allow", "POST, OPTIONS");
    Reject(res, 405, "method_not_allowed", "use POST", true);
  };
  svr.Get(kCollectPath, wrong_method);
  svr.Put(kCollectPath, wrong_method);
  svr.Delete(kCollectPath, wrong_method);
  svr.Patch(kCollectPath, wrong_method);

  svr.Get(R"(/api/report/([^/]+))", [this](const auto& req, auto& res) { Report(req, res); });
  svr.Get(R"(/api/live/([^/]+))", [this](const auto& req, auto& res) { Live(req, res); });
  svr.Get(R"(/config/([^/]+)\.mcc)",
          [this](const auto& req, auto& res) { CompiledConfig(req, res); });
  svr.Get("/api/sites", [this](const auto& req, auto& res) { SiteList(req, res); });
  svr.Get("/metrics", [this](const auto&, auto& res) { Metrics(res); });
  svr.Get("/healthz", [this](const auto&, auto& res) { Health(res); });
  access_.Routes(svr);

  // Static files (static_files.h): the tracker at "/" (fetched cross-origin
  // by the sites' pages, hence CORS) and the dashboard at /dashboard/, read
  // into memory now with their precompressed twins.
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::path web(options_.web_dir);
  fs::path dashboard = web / "dashboard";
  if (!fs::is_directory(dashboard, error)) dashboard = web.parent_path() / "dashboard";
  if (static_files_.AddDirectory("/dashboard/", dashboard, false) == 0) {
    svr.Get("/dashboard/?", [](const auto&, auto& res) {
      res.set_content(
          "<!doctype html><title>microconv</title><p>The dashboard is not built yet. "
          "Reports: <code>/api/report/SITE</code>.</p>",
          "text/html; charset=utf-8");
    });
  }
  if (static_files_.AddDirectory("/", web, true) == 0) {
    LogEvent("serve: web directory " + options_.web_dir + " not found; static files off");
  }
  // Every other GET, CR and LF included (a "." would not match them).
  svr.Get(R"([\s\S]*)", [this](const auto& req, auto& res) { static_files_.Serve(req, res); });
}

Status Collector::Bind() {
  if (!server_->bind_to_port(options_.host, options_.port)) {
    return {Error::kInvalidConfig,
            "cannot listen on " + options_.host + ":" + std::to_string(options_.port)};
  }
  if (listen_fd_ >= 0) ::listen(listen_fd_, kListenBacklog);
  return {};
}

void Collector::Run() { server_->listen_after_bind(); }

void Collector::Stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  server_->stop();
}

void Collector::Reject(httplib::Response& res, int status, const std::string& reason,
                       const std::string& message, bool ingest) {
  res.status = status;
  res.set_content(message.empty() ? reason : reason + ": " + message, "text/plain");
  if (ingest) {
    AllowAnyOrigin(res);
    metrics_.CountRejected(reason);
  }
}

bool Collector::PreRoute(const httplib::Request& req, httplib::Response& res) {
  if (access_.Gate(req, res)) return true;
  if (req.path != kCollectPath || req.method != "POST") return false;
  if (!limiter_.Allow(access_.ClientOf(req).address, RateLimiter::Clock::now())) {
    CloseAfterResponse(req);
    res.set_header("Retry-After", "1");
    Reject(res, 429, "rate_limited", "too many requests from this address", true);
    return true;
  }
  return RejectByHeaders(req, res);
}

bool Collector::RejectByHeaders(const httplib::Request& req, httplib::Response& res) {
  if (req.path != kCollectPath || req.method != "POST") return false;
  // Decided from the headers alone, before any byte of the body is read.
  if (req.has_header("Content-Length")) {
    const std::string length = req.get_header_value("Content-Length");
    uint64_t bytes = 0;
    auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), bytes);
    if (ec != std::errc() || end != length.data() + length.size()) {
      CloseAfterResponse(req);
      Reject(res, 400, "bad_request", "bad Content-Length", true);
      return true;
    }
    if (bytes > kMaxSummaryBytes) {
      CloseAfterResponse(req);
      Reject(res, 413, ErrorName(Error::kTooLarge),
             "body above " + std::to_string(kMaxSummaryBytes) + " bytes", true);
      return true;
    }
  }
  const std::string type = MediaType(req.get_header_value("Content-Type"));
  // text/plain: sendBeacon with a Blob of that type needs no CORS preflight.
  if (type != "text/plain" && type != "application/octet-stream") {
    CloseAfterResponse(req);
    Reject(res, 415, "unsupported_media_type",
           "Content-Type must be text/plain or application/octet-stream", true);
    return true;
  }
  return false;
}

void Collector::Collect(const httplib::Request& req, httplib::Response& res) {
  // A heap copy: aligned for the Verifier, and owned while we read it.
  const std::vector<uint8_t> bytes(req.body.begin(), req.body.end());
  if (bytes.empty()) return Reject(res, 400, ErrorName(Error::kTruncated), "empty body", true);
  auto structural = VerifySummary(bytes);
  if (!structural.ok()) {
    // kTooLarge also means "a vector over its cap": 413 only for the body.
    const int status = bytes.size() > kMaxSummaryBytes ? 413 : 400;
    return Reject(res, status, ErrorName(structural.error()), structural.message(), true);
  }
  const wire::Summary& unchecked = *structural.value();
  if (unchecked.site() == nullptr) {
    return Reject(res, 400, ErrorName(Error::kOutOfRange), "summary names no site", true);
  }
  const std::string site = unchecked.site()->str();
  if (sites_.Current(site) == nullptr) {
    return Reject(res, 404, "unknown_site", "no config for this site", true);
  }
  std::shared_ptr<const Config> config = sites_.Find(site, unchecked.config_hash());
  if (config == nullptr) {
    return Reject(res, 409, ErrorName(Error::kConfigMismatch),
                  "config " + HexHash(unchecked.config_hash()) + " is not one this site has used",
                  true);
  }
  auto verified = VerifySummary(bytes, config.get());
  if (!verified.ok()) {
    const int status = verified.error() == Error::kConfigMismatch ? 409 : 400;
    return Reject(res, status, ErrorName(verified.error()), verified.message(), true);
  }
  const wire::Summary& summary = *verified.value();
  if (Status source = CheckTrafficSource(summary); !source.ok()) {
    return Reject(res, 400, "invalid_traffic_source", source.message, true);
  }
  if (Status damage = watch_.Damage(); !damage.ok()) {
    res.set_header("Retry-After", "60");
    return Reject(res, 503, "store_damaged", "not stored, retry later", true);
  }
  // Before the store: a date outside the window never reaches it, so it
  // cannot make the store rebuild an old day's aggregate.
  const int64_t now_ms = NowMs();
  if (Status dated = CheckSessionStart(summary, now_ms, options_.start_window); !dated.ok()) {
    return Reject(res, 422, "start_outside_window", dated.message, true);
  }
  StoredSummary stored;
  stored.site = site;
  stored.nonce = summary.nonce();
  stored.seq = summary.seq();
  stored.day = summary.start_minute() / (24 * 60);
  stored.config_hash = config->hash();
  stored.received_at_ms = now_ms;
  stored.bytes = bytes;
  Status committed = commits_.Submit(std::move(stored));
  watch_.NoteIngest(committed);
  if (!committed.ok()) {
    LogEvent("store: commit failed: " + committed.message);
    res.set_header("Retry-After", "5");
    return Reject(res, 503, "store_unavailable", "not stored, retry later", true);
  }
  live_.Record(*config, summary, LiveBoard::Clock::now());
  AllowAnyOrigin(res);
  res.status = 202;
  res.set_content("accepted", "text/plain");
}

void Collector::Report(const httplib::Request& req, httplib::Response& res) {
  const std::string site = req.matches[1];
  std::shared_ptr<const Config> config = sites_.Current(site);
  if (config == nullptr) return Reject(res, 404, "unknown_site", "no config for this site", false);
  std::vector<ReportParam> params;
  for (const auto& [name, value] : req.params) params.push_back({name, value});
  auto request = ParseReportQuery(params, *config, Today());
  if (!request.ok()) return Reject(res, 400, "bad_request", request.message(), false);
  request.value().options.k_anonymity = options_.k_anonymity;
  auto report = RunReportRequest(store_, *config, request.value());
  watch_.NoteReport(report.ok() || report.error() != Error::kUnavailable
                        ? Status{}
                        : Status{report.error(), report.message()});
  if (!report.ok() && report.error() == Error::kUnavailable) {
    LogEvent("store: report failed: " + report.message());
    return Reject(res, 503, "store_unavailable", "", false);
  }
  if (!report.ok()) return Reject(res, 400, ErrorName(report.error()), report.message(), false);
  res.set_header("Cache-Control", "no-store");
  res.set_content(RenderReportJson(report.value()), "application/json");
}

void Collector::Live(const httplib::Request& req, httplib::Response& res) {
  const std::string site = req.matches[1];
  if (sites_.Current(site) == nullptr) {
    return Reject(res, 404, "unknown_site", "no config for this site", false);
  }
  if (const std::string refused = AcquireStream(site); !refused.empty()) {
    // Streams end when their viewer leaves; a retry in a while may fit.
    res.set_header("Retry-After", "10");
    const bool site_full = refused == "too_many_streams_for_site";
    return Reject(
        res, site_full ? 429 : 503, refused,
        site_full ? "at most " + std::to_string(options_.max_live_streams_per_site) +
                        " live streams per site"
                  : "at most " + std::to_string(options_.max_live_streams) + " live streams in all",
        false);
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, site, first_event = true](size_t, httplib::DataSink& sink) mutable {
        if (!first_event) {
          std::unique_lock lock(stop_mutex_);
          stop_signal_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; });
          if (stopping_) {
            sink.done();
            return true;
          }
        }
        first_event = false;
        std::shared_ptr<const Config> config = sites_.Current(site);
        if (config == nullptr) return false;
        const std::string event =
            "event: live\ndata: " + live_.RenderJson(*config, LiveBoard::Clock::now()) + "\n\n";
        return sink.write(event.data(), event.size());
      },
      [this, site](bool) { ReleaseStream(site); });
}

std::string Collector::AcquireStream(const std::string& site) {
  std::lock_guard lock(streams_mutex_);
  int& of_site = live_streams_by_site_[site];
  if (of_site >= options_.max_live_streams_per_site) return "too_many_streams_for_site";
  if (live_streams_ >= options_.max_live_streams) return "too_many_streams";
  ++of_site;
  ++live_streams_;
  return {};
}

void Collector::ReleaseStream(const std::string& site) {
  std::lock_guard lock(streams_mutex_);
  --live_streams_;
  if (--live_streams_by_site_[site] <= 0) live_streams_by_site_.erase(site);
}

void Collector::CompiledConfig(const httplib::Request& req, httplib::Response& res) {
  const std::string site(req.matches[1]);
  std::shared_ptr<const Config> config = sites_.Current(site);
  if (config == nullptr) {
    AllowAnyOrigin(res);
    return Reject(res, 404, "unknown_site", "no config for this site", false);
  }
  std::string etag = "\"";  // built by appends: GCC 12 warns falsely on a + chain here
  etag += HexHash(config->hash());
  etag += '"';
  // Compressed once per config version, not per request.
  const auto asset = compiled_configs_.Get(site, etag, [&] {
    return CompressedAsset(config->bytes(), ContentTypeOf(req.path), "public, max-age=60", etag,
                           true);
  });
  ServeAsset(*asset, req, res);
}

// The dashboard's site picker (site ids are checked names from the
// configs; those this caller may read), and what a report query accepts,
// so the dashboard reads the limits and breakdown names instead of copying
// them.
void Collector::SiteList(const httplib::Request& req, httplib::Response& res) {
  JsonWriter json;
  json.BeginObject(false);
  json.Key("sites");
  json.BeginArray(true);
  for (const std::string& site : access_.ReadableSites(req, sites_.Sites())) json.String(site);
  json.EndArray();
  json.Key("report");
  json.BeginObject(false);
  json.Field("default_days", kDefaultReportDays);
  json.Field("max_days", kMaxReportDays);
  json.Field("daily_max_days", kMaxDailyDays);
  json.Key("breakdowns");
  json.BeginArray(true);
  for (int b = 0; b < kBreakdownCount; ++b) json.String(BreakdownName(static_cast<Breakdown>(b)));
  json.EndArray();
  json.EndObject();
  json.EndObject();
  res.set_header("Cache-Control", "no-store");
  res.set_content(std::move(json).Take(), "application/json");
}

void Collector::Metrics(httplib::Response& res) {
  std::vector<CollectorMetrics::Gauge> gauges;
  auto stored = store_.CountSessions();
  gauges.push_back({"microconv_sessions_stored", "Sessions in the store (all sites).",
                    stored.ok() ? double(stored.value()) : -1});
  gauges.push_back(
      {"microconv_live_sessions", "Sessions held by the live board.", double(live_.size())});
  gauges.push_back({"microconv_live_overflow", "Live sessions not tracked (board full).",
                    double(live_.overflow())});
  {
    std::lock_guard lock(streams_mutex_);
    gauges.push_back({"microconv_live_streams", "Open live (SSE) streams.", double(live_streams_)});
  }
  gauges.push_back({"microconv_sites", "Sites served.", double(sites_.Sites().size())});
  gauges.push_back({"microconv_forwarded_malformed_total",
                    "Requests from a trusted proxy with an unreadable forwarded header.",
                    double(access_.forwarded_malformed()), "counter"});
  watch_.AppendMetrics(gauges);
  res.set_content(metrics_.Render(gauges), "text/plain; version=0.0.4");
}

void Collector::Health(httplib::Response& res) {
  const StoreWatch::Verdict verdict = watch_.Check();
  if (!verdict.reason.empty()) {
    // A damaged or full store must take this collector out of rotation:
    // 503 with the reason, like ingest answers when a commit fails.
    res.status = 503;
    if (verdict.reason == "disk_full" || verdict.reason == "store_write_failed") {
      res.set_header("Retry-After", "30");
    }
    res.set_content(verdict.reason + ": " + verdict.detail, "text/plain");
    return;
  }
  res.set_content("ok", "text/plain");
}

}  // namespace microconv
