#include "tools/serve/collector.h"

#include <zlib.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <span>
#include <vector>

#include "core/beacon_dictionary.h"
#include "core/browser_config.h"
#include "core/json_writer.h"
#include "core/report.h"
#include "core/report_csv.h"
#include "core/report_json.h"
#include "core/report_query.h"
#include "core/summary.h"
#include "tools/base/wall_clock.h"
#include "tools/base/zoneinfo.h"
#include "tools/serve/event_log.h"
#include "tools/store/replay_view.h"
#include "tools/store/report_runner.h"

namespace microconv {
namespace {

constexpr const char* kCollectPath = "/api/collect";

// A deflated beacon (`?z=` names the dictionary version, web/tracker/deflate.js) inflated
// with that dictionary, stopping at kMaxSummaryBytes: a small body cannot expand past the
// summary cap, and what comes out goes to the Verifier like any plain body.
Result<std::vector<uint8_t>> InflateBeacon(std::string_view version, const std::string& body) {
  if (version != std::to_string(kBeaconDictionaryVersion)) {
    return {Error::kUnsupportedVersion, "unknown beacon dictionary " + std::string(version)};
  }
  z_stream stream{};
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) return {Error::kUnavailable, "inflateInit"};
  std::vector<uint8_t> out(kMaxSummaryBytes + 1);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.avail_in = static_cast<uInt>(body.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  int result = inflateSetDictionary(&stream, kBeaconDictionary, sizeof(kBeaconDictionary));
  if (result == Z_OK) result = inflate(&stream, Z_FINISH);
  const size_t produced = out.size() - stream.avail_out;
  const bool rest = stream.avail_in != 0;
  inflateEnd(&stream);
  if (produced > kMaxSummaryBytes) {
    return {Error::kTooLarge, "inflated above " + std::to_string(kMaxSummaryBytes) + " bytes"};
  }
  if (result != Z_STREAM_END || rest) {
    return {Error::kTruncated, "not one complete deflate stream"};
  }
  out.resize(produced);
  return out;
}
// How stale a live event may be (streams send one a second).
constexpr std::chrono::milliseconds kLiveRenderInterval{250};
// The dashboard pages' policy: their <meta> policy (web/dashboard/index.html,
// scripts from this origin only) and, which a <meta> cannot say, never framed.
constexpr const char* kDashboardPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
    "data:; "
    "connect-src 'self'; frame-src http: https:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'";

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

void AllowAnyOrigin(Response& res) { res.SetHeader("Access-Control-Allow-Origin", "*"); }

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
      scans_(options_.max_scans),
      server_(options_.http) {
  Routes();
}

Collector::~Collector() = default;

void Collector::Routes() {
  HttpServer& svr = server_;
  // Rate limit, size and type of an ingest, from its head alone.
  svr.BeforeBody([this](const Request& req, Response& res) { return RejectByHeaders(req, res); });
  svr.BeforeRoute([this](const Request& req, Response& res) { return PreRoute(req, res); });
  // Counted before the response is written, so a client that reads
  // /metrics after its answer always sees its request.
  svr.AfterRoute([this](const Request& req, Response& res) {
    if (res.status >= 400 && res.body.empty() && res.stream == nullptr) {
      res.SetContent(DefaultReason(res.status), "text/plain");
    }
    metrics_.CountRequest(EndpointLabel(req.path), res.status);
  });

  // Verification and a hand-over to the commit queue: never blocks.
  svr.Quick("POST", kCollectPath, [this](const auto& req, auto& res) { Collect(req, res); });
  svr.Route("OPTIONS", kCollectPath, [](const auto&, auto& res) {
    AllowAnyOrigin(res);
    res.SetHeader("Access-Control-Allow-Methods", "POST, OPTIONS");
    res.SetHeader("Access-Control-Allow-Headers", "Content-Type");
    res.SetHeader("Access-Control-Max-Age", "86400");
    res.status = 204;
  });
  auto wrong_method = [this](const auto&, auto& res) {
    res.SetHeader("Allow", "POST, OPTIONS");
    Reject(res, 405, "method_not_allowed", "use POST", true);
  };
  for (const char* method : {"GET", "PUT", "DELETE", "PATCH"}) {
    svr.Route(method, kCollectPath, wrong_method);
  }

  svr.Get("/api/report/{}", [this](const auto& req, auto& res) { Report(req, res); });
  svr.Get("/api/live/{}", [this](const auto& req, auto& res) { Live(req, res); });
  svr.Get("/api/replays/{}", [this](const auto& req, auto& res) { ReplayList(req, res); });
  svr.Get("/config/{}.mcc", [this](const auto& req, auto& res) { CompiledConfig(req, res); });
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
    for (const char* path : {"/dashboard", "/dashboard/"}) {
      svr.Get(path, [](const auto&, auto& res) {
        res.SetContent(
            "<!doctype html><title>microconv</title><p>The dashboard is not built yet. "
            "Reports: <code>/api/report/SITE</code>.</p>",
            "text/html; charset=utf-8");
      });
    }
  }
  // The login page's stylesheet, read before a login (the rest of
  // /dashboard/ is not): the dashboard folder's file, twins and validators.
  svr.Get("/login.css", [this](const auto& req, auto& res) {
    const StaticAsset* css = static_files_.Find("/dashboard/login.css");
    if (css == nullptr) return Reject(res, 404, "not_found", "login.css", false);
    ServeAsset(*css, req, res);
  });
  if (static_files_.AddDirectory("/", web, true) == 0) {
    LogEvent("serve: web directory " + options_.web_dir + " not found; static files off");
  }
  // Every other GET.
  svr.Get("*", [this](const auto& req, auto& res) {
    static_files_.Serve(req, res);
    if (req.path.starts_with("/dashboard") && res.Header("Content-Type").starts_with("text/html")) {
      res.SetHeader("Content-Security-Policy", kDashboardPolicy);
    }
  });
}

Status Collector::Bind() { return server_.Bind(options_.host, options_.port); }

void Collector::Run() { server_.Run(); }

void Collector::Stop() { server_.Stop(); }

void Collector::Reject(Response& res, int status, const std::string& reason,
                       const std::string& message, bool ingest) {
  res.status = status;
  res.SetContent(message.empty() ? reason : reason + ": " + message, "text/plain");
  if (ingest) {
    AllowAnyOrigin(res);
    metrics_.CountRejected(reason);
  }
}

bool Collector::PreRoute(const Request& req, Response& res) { return access_.Gate(req, res); }

bool Collector::RejectByHeaders(const Request& req, Response& res) {
  if (req.path != kCollectPath || req.method != "POST") return false;
  if (!limiter_.Allow(access_.ClientOf(req).address, RateLimiter::Clock::now())) {
    res.SetHeader("Retry-After", "1");
    Reject(res, 429, "rate_limited", "too many requests from this address", true);
    return true;
  }
  // Decided from the headers alone, before any byte of the body is read.
  if (req.HasHeader("Content-Length")) {
    const std::string length = req.Header("Content-Length");
    uint64_t bytes = 0;
    auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), bytes);
    if (ec != std::errc() || end != length.data() + length.size()) {
      Reject(res, 400, "bad_request", "bad Content-Length", true);
      return true;
    }
    if (bytes > kMaxSummaryBytes) {
      Reject(res, 413, ErrorName(Error::kTooLarge),
             "body above " + std::to_string(kMaxSummaryBytes) + " bytes", true);
      return true;
    }
  }
  const std::string type = MediaType(req.Header("Content-Type"));
  // text/plain: sendBeacon with a Blob of that type needs no CORS preflight.
  if (type != "text/plain" && type != "application/octet-stream") {
    Reject(res, 415, "unsupported_media_type",
           "Content-Type must be text/plain or application/octet-stream", true);
    return true;
  }
  return false;
}

void Collector::Collect(const Request& req, Response& res) {
  if (req.body.empty()) return Reject(res, 400, ErrorName(Error::kTruncated), "empty body", true);
  // A heap copy: aligned for the Verifier, and owned while we read it.
  std::vector<uint8_t> bytes(req.body.begin(), req.body.end());
  if (const std::string version = req.Param("z"); !version.empty()) {
    auto inflated = InflateBeacon(version, req.body);
    if (!inflated.ok()) {
      const int status = inflated.error() == Error::kTooLarge ? 413 : 400;
      return Reject(res, status, ErrorName(inflated.error()), inflated.message(), true);
    }
    bytes = std::move(inflated).value();
  }
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
  // The structure passed above: only the config half is left (one pass).
  const wire::Summary& summary = unchecked;
  if (Status fits = CheckSummaryAgainstConfig(summary, *config); !fits.ok()) {
    const int status = fits.error == Error::kConfigMismatch ? 409 : 400;
    return Reject(res, status, ErrorName(fits.error), fits.message, true);
  }
  if (Status source = CheckTrafficSource(summary); !source.ok()) {
    return Reject(res, 400, "invalid_traffic_source", source.message, true);
  }
  if (Status damage = watch_.Damage(); !damage.ok()) {
    res.SetHeader("Retry-After", "60");
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
  // The site's local day, in the zone of its current config: the one the
  // store's day aggregates are counted through.
  const std::shared_ptr<const Config> current = sites_.Current(site);
  stored.day = (current != nullptr ? *current : *config).DayOfMinute(summary.start_minute());
  stored.config_hash = config->hash();
  stored.received_at_ms = now_ms;
  stored.replay = ReplayFactsOf(summary);  // indexed for replay lists when sampled
  stored.bytes = std::move(bytes);         // `summary` is read no further
  stored.verified = true;                  // against `config`, whose hash is config_hash
  // Answered from the commit thread once the batch is durable: a summary
  // waiting for its commit holds its connection, not a worker thread.
  std::function<void()> finish = res.Defer();
  commits_.SubmitAsync(std::move(stored), [this, config, &res, finish = std::move(finish)](
                                              const Status& committed, const StoredSummary& kept) {
    watch_.NoteIngest(committed);
    if (!committed.ok()) {
      LogEvent("store: commit failed: " + committed.message);
      res.SetHeader("Retry-After", "5");
      Reject(res, 503, "store_unavailable", "not stored, retry later", true);
    } else {
      // The bytes were verified above and are still held by the queue.
      live_.Record(*config, *wire::GetSummary(kept.bytes.data()), LiveBoard::Clock::now());
      AllowAnyOrigin(res);
      res.status = 202;
      res.SetContent("accepted", "text/plain");
    }
    finish();
  });
}

void Collector::Report(const Request& req, Response& res) {
  const std::string& site = req.matches[1];
  std::shared_ptr<const Config> config = sites_.Current(site);
  if (config == nullptr) return Reject(res, 404, "unknown_site", "no config for this site", false);
  std::vector<ReportParam> params;
  for (const auto& [name, value] : req.params) params.push_back({name, value});
  // format=csv: the report as CSV (core/report_csv.h), the dashboard's CSV
  // download and `microconv report --format csv` alike.
  const std::string format = req.Param("format");
  if (!format.empty() && format != "json" && format != "csv") {
    return Reject(res, 400, "bad_request", "format: expected json or csv", false);
  }
  auto request = ParseReportQuery(params, *config, TodayIn(config->time_zone()));
  if (!request.ok()) return Reject(res, 400, "bad_request", request.message(), false);
  request.value().options.k_anonymity = options_.k_anonymity;
  // Held until the report is built: its comparison period scans too.
  const bool scans = request.value().NeedsScan();
  const ScanSlots::Slot scan(scans ? &scans_ : nullptr);
  if (scans && !scan) {
    res.SetHeader("Retry-After", "1");
    return Reject(
        res, 503, "too_many_scans",
        "at most " + std::to_string(scans_.limit()) + " filtered or broken-down reports at once",
        false);
  }
  auto report = RunReportRequest(store_, *config, request.value(), &merged_days_);
  watch_.NoteReport(report.ok() || report.error() != Error::kUnavailable
                        ? Status{}
                        : Status{report.error(), report.message()});
  if (!report.ok() && report.error() == Error::kUnavailable) {
    LogEvent("store: report failed: " + report.message());
    return Reject(res, 503, "store_unavailable", "", false);
  }
  // A filter or funnel breakdown over more stored sessions than one report
  // may read (tools/store/filtered_report.h): the range is too large.
  if (!report.ok() && report.error() == Error::kTooLarge) {
    return Reject(res, 413, ErrorName(report.error()), report.message(), false);
  }
  if (!report.ok()) return Reject(res, 400, ErrorName(report.error()), report.message(), false);
  res.SetHeader("Cache-Control", "no-store");
  if (format == "csv") {
    const std::string from = DateOfDay(request.value().from), to = DateOfDay(request.value().to);
    res.SetHeader("Content-Disposition",
                  "attachment; filename=\"microconv-" + site + "-" + from + "-to-" + to + ".csv\"");
    return res.SetContent(RenderReportCsv(report.value(), from, to), "text/csv; charset=utf-8");
  }
  res.SetContent(RenderReportJson(report.value()), "application/json");
}

void Collector::ReplayList(const Request& req, Response& res) {
  if (!req.Param("id").empty()) return Replay(req, res);
  const std::string& site = req.matches[1];
  std::shared_ptr<const Config> config = sites_.Current(site);
  if (config == nullptr) return Reject(res, 404, "unknown_site", "no config for this site", false);
  std::vector<ReportParam> params;
  for (const auto& [name, value] : req.params) params.push_back({name, value});
  auto query = ParseReplayQuery(params, *config, TodayIn(config->time_zone()));
  if (!query.ok()) return Reject(res, 400, "bad_request", query.message(), false);
  const ReplayQuery& q = query.value();
  auto page = store_.ListReplays(site, q.range.from, q.range.to, q.filter, q.after, q.limit);
  if (!page.ok()) {
    return Reject(res, page.error() == Error::kUnavailable ? 503 : 400, ErrorName(page.error()),
                  page.message(), false);
  }
  res.SetHeader("Cache-Control", "no-store");
  // The report's k (core/report.h): no list of fewer sampled sessions.
  ReportOptions k_options;
  k_options.k_anonymity = options_.k_anonymity;
  res.SetContent(RenderReplayListJson(page.value(), KAnonymity(config->def(), k_options)),
                 "application/json");
}

void Collector::Replay(const Request& req, Response& res) {
  const std::string& site = req.matches[1];
  std::shared_ptr<const Config> config = sites_.Current(site);
  if (config == nullptr) return Reject(res, 404, "unknown_site", "no config for this site", false);
  uint64_t nonce = 0;
  if (!ParseReplayId(req.Param("id"), nonce)) {
    return Reject(res, 400, "bad_request", "id: 16 hex digits", false);
  }
  ReportOptions k_options;
  k_options.k_anonymity = options_.k_anonymity;
  auto rendered = RenderStoredReplay(store_, site, nonce, KAnonymity(config->def(), k_options));
  if (!rendered.ok()) {
    const int status = rendered.error() == Error::kUnavailable  ? 503
                       : rendered.error() == Error::kOutOfRange ? 403
                                                                : 500;
    return Reject(res, status, ErrorName(rendered.error()), rendered.message(), false);
  }
  if (!rendered.value().has_value()) {
    return Reject(res, 404, "unknown_replay", "no replay with this id", false);
  }
  res.SetHeader("Cache-Control", "no-store");
  res.SetContent(*rendered.value(), "application/json");
}

void Collector::Live(const Request& req, Response& res) {
  const std::string& site = req.matches[1];
  if (sites_.Current(site) == nullptr) {
    return Reject(res, 404, "unknown_site", "no config for this site", false);
  }
  if (const std::string refused = AcquireStream(site); !refused.empty()) {
    // Streams end when their viewer leaves; a retry in a while may fit.
    res.SetHeader("Retry-After", "10");
    const bool site_full = refused == "too_many_streams_for_site";
    return Reject(
        res, site_full ? 429 : 503, refused,
        site_full ? "at most " + std::to_string(options_.max_live_streams_per_site) +
                        " live streams per site"
                  : "at most " + std::to_string(options_.max_live_streams) + " live streams in all",
        false);
  }
  res.SetHeader("Cache-Control", "no-cache");
  res.SetHeader("Content-Type", "text/event-stream");
  // Between events the stream is parked by the server: no thread.
  auto stream = std::make_shared<EventStream>();
  stream->interval = std::chrono::seconds(1);
  stream->next = [this, site](std::string& out) {
    std::shared_ptr<const Config> config = sites_.Current(site);
    if (config == nullptr) return false;
    out = LiveEvent(site, *config);
    return true;
  };
  stream->closed = [this, site] { ReleaseStream(site); };
  res.stream = std::move(stream);
}

std::string Collector::LiveEvent(const std::string& site, const Config& config) {
  const auto now = LiveBoard::Clock::now();
  std::lock_guard lock(live_render_mutex_);
  RenderedLive& rendered = live_rendered_[site];
  if (rendered.event.empty() || rendered.config_hash != config.hash() ||
      now - rendered.at >= kLiveRenderInterval) {
    rendered = {now, config.hash(), "event: live\ndata: " + live_.RenderJson(config, now) + "\n\n"};
  }
  return rendered.event;
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

void Collector::CompiledConfig(const Request& req, Response& res) {
  const std::string& site = req.matches[1];
  std::shared_ptr<const Config> config = sites_.Current(site);
  if (config == nullptr) {
    AllowAnyOrigin(res);
    return Reject(res, 404, "unknown_site", "no config for this site", false);
  }
  const std::string version = HexHash(config->hash());
  // Visitors get the browser's copy (core/browser_config.h: no labels, page
  // examples or zone), made and compressed once per config version, not per
  // request; should it fail, the full config, as earlier releases served.
  const auto asset = compiled_configs_.Get(site, version, [&] {
    const Result<std::vector<uint8_t>> browser = BrowserConfig(*config);
    const std::span<const uint8_t> bytes =
        browser.ok() ? std::span<const uint8_t>(browser.value()) : config->bytes();
    // "CONFIG.BYTES": the config's hash names the version (logs, tests);
    // the served bytes' own makes the validator strong, so a collector whose
    // browser copy changes shape (or falls back to the full config) never
    // revalidates a cached body of the same config with a 304.
    std::string etag = "\"";  // built by appends: GCC 12 warns falsely on a + chain here
    etag += version;
    etag += '.';
    etag += StrongEtag(bytes).substr(1, 8);
    etag += '"';
    return CompressedAsset(bytes, ContentTypeOf(req.path), "public, max-age=60", etag, true);
  });
  ServeAsset(*asset, req, res);
}

// The dashboard's site picker (site ids are checked names from the
// configs; those this caller may read), and what a report query accepts,
// so the dashboard reads the limits and breakdown names instead of copying
// them.
void Collector::SiteList(const Request& req, Response& res) {
  JsonWriter json;
  json.BeginObject(false);
  const std::vector<std::string> readable = access_.ReadableSites(req, sites_.Sites());
  json.Key("sites");
  json.BeginArray(true);
  for (const std::string& site : readable) json.String(site);
  json.EndArray();
  // Each site's time zone and its today there: the dashboard's "today" and
  // presets are the site's local days, as the report's dates are.
  json.Key("time_zones");
  json.BeginObject(true);
  for (const std::string& site : readable) {
    if (auto config = sites_.Current(site)) json.FieldString(site, config->time_zone_name());
  }
  json.EndObject();
  json.Key("today");
  json.BeginObject(true);
  for (const std::string& site : readable) {
    if (auto config = sites_.Current(site)) {
      json.FieldString(site, DateOfDay(TodayIn(config->time_zone())));
    }
  }
  json.EndObject();
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
  res.SetHeader("Cache-Control", "no-store");
  res.SetContent(std::move(json).Take(), "application/json");
}

void Collector::Metrics(Response& res) {
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
  res.SetContent(metrics_.Render(gauges), "text/plain; version=0.0.4");
}

void Collector::Health(Response& res) {
  const StoreWatch::Verdict verdict = watch_.Check();
  if (!verdict.reason.empty()) {
    // A damaged or full store must take this collector out of rotation:
    // 503 with the reason, like ingest answers when a commit fails.
    res.status = 503;
    if (verdict.reason == "disk_full" || verdict.reason == "store_write_failed") {
      res.SetHeader("Retry-After", "30");
    }
    res.SetContent(verdict.reason + ": " + verdict.detail, "text/plain");
    return;
  }
  res.SetContent("ok", "text/plain");
}

}  // namespace microconv
