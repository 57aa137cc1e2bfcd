// The collector's HTTP surface (SPEC section 9) on HttpServer
// (http_server.h): ingest (POST /api/collect), reports, the live stream, compiled
// configs, the tracker's static files, metrics and health.
//
// Every byte of a request is hostile until VerifySummary has passed: the
// body cap and content type are checked from the headers before the body is
// read, the summary is verified structurally, its site's config is found by
// (site, config hash), and it is verified again against that config. Only
// then is it queued for a durable group commit; 202 means committed.
#ifndef MICROCONV_TOOLS_SERVE_COLLECTOR_H_
#define MICROCONV_TOOLS_SERVE_COLLECTOR_H_

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/report.h"
#include "core/status.h"
#include "core/summary.h"
#include "tools/serve/access.h"
#include "tools/serve/collector_metrics.h"
#include "tools/serve/http_server.h"
#include "tools/serve/live_board.h"
#include "tools/serve/rate_limiter.h"
#include "tools/serve/scan_slots.h"
#include "tools/serve/site_registry.h"
#include "tools/serve/static_files.h"
#include "tools/serve/store_watch.h"
#include "tools/store/commit_queue.h"
#include "tools/store/merged_days_cache.h"
#include "tools/store/summary_store.h"

namespace microconv {

struct CollectorOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string web_dir = "web/dist";
  int k_anonymity = -1;  // < 0: each site's configured k
  // Connection limits and deadlines; its worker threads: an ingest request
  // holds one until its batch commits, so they bound the group-commit batch.
  HttpLimits http;
  double rate_per_second = 50;  // per source address; <= 0: off
  double rate_burst = 200;
  // Open live (SSE) streams: they hold no thread (memory only), but one
  // site alone cannot take them all.
  int max_live_streams = 1000;
  int max_live_streams_per_site = 100;
  // Filtered / broken-down reports scanning sessions at once (scan_slots.h).
  int max_scans = kDefaultMaxScans;
  // Session starts accepted around the collector's clock (core/summary.h).
  StartWindow start_window;
};

class Collector {
 public:
  Collector(CollectorOptions options, SiteRegistry& sites, SummaryStore& store,
            CommitQueue& commits, CollectorMetrics& metrics, LiveBoard& live, Access& access,
            StoreWatch& watch);
  ~Collector();

  // Binds the listening socket (so the port is known before serving).
  [[nodiscard]] Status Bind();
  // Serves until Stop(); in-flight requests finish before it returns.
  void Run();
  // Stops accepting and ends live streams; safe from any thread.
  void Stop();

 private:
  void Routes();
  // true when the request was answered (access gate, on a worker).
  bool PreRoute(const Request& req, Response& res);
  // Takes a live-stream slot of `site`: "" when granted, else the reason.
  std::string AcquireStream(const std::string& site);
  // The live event of `site` for every stream of it: rendered at most once
  // per kLiveRenderInterval, so thousands of streams cost one rendering.
  std::string LiveEvent(const std::string& site, const Config& config);
  void ReleaseStream(const std::string& site);
  // Answers an ingest whose headers already disqualify it (rate, size,
  // type): on the event loop, before the body is read.
  bool RejectByHeaders(const Request& req, Response& res);
  void Collect(const Request& req, Response& res);
  void Report(const Request& req, Response& res);
  void Live(const Request& req, Response& res);
  // /api/replays/SITE (a range's replays by outcome) and
  // /api/replays/SITE?id=ID (one decoded): tools/store/replay_view.h.
  void ReplayList(const Request& req, Response& res);
  void Replay(const Request& req, Response& res);
  void CompiledConfig(const Request& req, Response& res);
  void SiteList(const Request& req, Response& res);
  void Metrics(Response& res);
  void Health(Response& res);
  // A 4xx/5xx with a short plain-text reason, counted when it is an ingest.
  void Reject(Response& res, int status, const std::string& reason, const std::string& message,
              bool ingest);

  CollectorOptions options_;
  SiteRegistry& sites_;
  SummaryStore& store_;
  CommitQueue& commits_;
  CollectorMetrics& metrics_;
  LiveBoard& live_;
  Access& access_;
  StoreWatch& watch_;
  RateLimiter limiter_;
  StaticFiles static_files_;
  AssetCache compiled_configs_;
  ScanSlots scans_;
  // Reports' older days merged, while they stay unchanged
  // (tools/store/merged_days_cache.h).
  MergedDaysCache merged_days_;
  HttpServer server_;
  std::mutex streams_mutex_;
  int live_streams_ = 0;
  std::map<std::string, int> live_streams_by_site_;
  struct RenderedLive {
    LiveBoard::Clock::time_point at;
    uint32_t config_hash = 0;
    std::string event;
  };
  std::mutex live_render_mutex_;
  std::map<std::string, RenderedLive> live_rendered_;  // by site (configured sites only)
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_SERVE_COLLECTOR_H_
