// microconv replay: recorded event streams (the text form of
// tests/support/event_stream.h, several sessions per file, each from its
// `start` line) run through the real core, and the final summaries sent to
// a collector or written as files. Site owners try a config on recorded
// journeys; the bench and the differential tests feed identical sessions
// to microconv and, through --raw-events-out, to ClickHouse.
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/session.h"
#include "core/summary.h"
#include "tests/support/event_stream.h"
#include "tools/base/flags.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/cli_io.h"
#include "tools/cli/raw_events.h"
#include "tools/cli/store_range.h"

namespace microconv {
namespace {

constexpr const char* kUsage =
    "usage: microconv replay --config SITE.json --events FILE [--endpoint URL | --out DIR]\n"
    "                        [--raw-events-out FILE]\n"
    "  --config          the site's config (JSON) the sessions are summarised with\n"
    "  --events          recorded event streams, one session per `start` line ('-': stdin;\n"
    "                    format: README, \"Recorded event streams\")\n"
    "  --endpoint        a collector (http://HOST:PORT): each summary is POSTed to\n"
    "                    /api/collect; 429 and 503 are retried after Retry-After\n"
    "  --out             write each summary to DIR/NONCE.mcs instead\n"
    "  --raw-events-out  also write the sessions' raw events as ClickHouse TabSeparated\n"
    "                    rows (tools/cli/raw_events.h)\n";

constexpr size_t kMaxEventsFileBytes = size_t{1} << 30;
constexpr int kMaxAttempts = 10;
constexpr double kMaxWaitSeconds = 30;

// One session's text and the file line its text starts on.
struct StreamText {
  std::string_view text;
  int first_line = 1;
};

// Cuts the file before every `start` line but the first.
std::vector<StreamText> SplitSessions(std::string_view text) {
  std::vector<StreamText> sessions;
  size_t begin = 0;
  int line = 1, begin_line = 1;
  bool started = false;
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view content = text.substr(at, end - at);
    while (!content.empty() && (content.front() == ' ' || content.front() == '\t')) {
      content.remove_prefix(1);
    }
    if (content.starts_with("start ") || content == "start") {
      if (started) {
        sessions.push_back({text.substr(begin, at - begin), begin_line});
        begin = at;
        begin_line = line;
      }
      started = true;
    }
    at = end + 1;
    ++line;
  }
  if (begin < text.size()) sessions.push_back({text.substr(begin), begin_line});
  return sessions;
}

// Sends one summary: 202 is done; 429, 503 and no answer are retried after
// Retry-After (or a growing pause); anything else is the collector's
// verdict on this summary, returned as the error.
Status Send(httplib::Client& client, const std::vector<uint8_t>& bytes) {
  std::string last;
  double pause = 0.25;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    auto res = client.Post("/api/collect", reinterpret_cast<const char*>(bytes.data()),
                           bytes.size(), "text/plain");
    double wait = pause;
    if (!res) {
      last = "no answer: " + httplib::to_string(res.error());
    } else if (res->status == 202) {
      return {};
    } else if (res->status == 429 || res->status == 503) {
      last = "HTTP " + std::to_string(res->status) + ": " + res->body;
      if (res->has_header("Retry-After")) {
        wait = std::strtod(res->get_header_value("Retry-After").c_str(), nullptr);
      }
    } else {
      return {Error::kOutOfRange, "HTTP " + std::to_string(res->status) + ": " + res->body};
    }
    if (attempt == kMaxAttempts) break;
    std::this_thread::sleep_for(std::chrono::duration<double>(std::min(wait, kMaxWaitSeconds)));
    pause = std::min(pause * 2, 8.0);
  }
  return {Error::kUnavailable, "gave up after " + std::to_string(kMaxAttempts) + " tries: " + last};
}

int UsageError(const std::string& message) {
  std::fprintf(stderr, "replay: %s\n%s", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int RunReplay(int argc, char** argv) {
  auto parsed = Flags::Parse(
      argc, argv, {{"--config"}, {"--events"}, {"--endpoint"}, {"--out"}, {"--raw-events-out"}});
  if (!parsed.ok()) return UsageError(parsed.message());
  const Flags& flags = parsed.value();
  if (flags.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!flags.Has("--config") || !flags.Has("--events")) {
    return UsageError("--config and --events are required");
  }
  if (flags.Has("--endpoint") == flags.Has("--out")) {
    return UsageError("give one of --endpoint and --out");
  }
  auto config = LoadConfigFile(flags.Get("--config"));
  if (!config.ok()) {
    std::fprintf(stderr, "replay: %s\n", config.message().c_str());
    return 1;
  }
  const std::string events_path = flags.Get("--events");
  auto text = ReadInput(events_path, kMaxEventsFileBytes);
  if (!text.ok()) {
    std::fprintf(stderr, "replay: %s\n", text.message().c_str());
    return 1;
  }
  // Every session parsed before anything is sent: a bad line stops the
  // replay with nothing half done.
  // A deque: an EventStream's string_views point into its own strings, so
  // streams must never be copied (vector growth copies: deque's move may
  // throw).
  std::deque<testing::EventStream> streams;
  for (const StreamText& session : SplitSessions(text.value())) {
    auto stream = testing::ParseEventStream(session.text, config.value(), session.first_line);
    if (!stream.ok()) {
      std::fprintf(stderr, "replay: %s:%s\n", events_path.c_str(),
                   stream.message().substr(5).c_str());  // "line N: why" -> "N: why"
      return 1;
    }
    if (!stream.value().events.empty()) streams.push_back(std::move(stream).value());
  }
  if (streams.empty()) {
    std::fprintf(stderr, "replay: %s: no session (a session starts with a `start` line)\n",
                 events_path.c_str());
    return 1;
  }
  std::string raw_events;
  const std::string out_dir = flags.Get("--out");
  if (!out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
  }
  std::unique_ptr<httplib::Client> client;
  if (flags.Has("--endpoint")) {
    client = std::make_unique<httplib::Client>(flags.Get("--endpoint"));
    if (!client->is_valid()) return UsageError("--endpoint: expected http://HOST:PORT");
    client->set_keep_alive(true);
    client->set_connection_timeout(5);
    client->set_read_timeout(30);
  }
  int rejected = 0;
  for (const testing::EventStream& stream : streams) {
    const std::vector<uint8_t> summary = testing::RunToSummary(stream, config.value());
    char name[32];
    std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(stream.nonce));
    if (auto verified = VerifySummary(summary, &config.value()); !verified.ok()) {
      std::fprintf(stderr, "replay: session %s: the core's summary does not verify: %s\n", name,
                   verified.message().c_str());
      return 1;
    }
    if (flags.Has("--raw-events-out")) {
      AppendRawEvents(config.value(), config.value().site(), stream.Start(), stream.events,
                      stream.string_views, raw_events);
    }
    Status done;
    if (client) {
      done = Send(*client, summary);
    } else {
      done =
          WriteOutput(out_dir + "/" + name + ".mcs",
                      std::string(reinterpret_cast<const char*>(summary.data()), summary.size()));
    }
    if (!done.ok()) {
      std::fprintf(stderr, "replay: session %s: %s\n", name, done.message.c_str());
      if (done.error == Error::kUnavailable) return 1;  // the collector or disk is gone
      ++rejected;
    }
  }
  if (flags.Has("--raw-events-out")) {
    if (Status written = WriteOutput(flags.Get("--raw-events-out"), raw_events); !written.ok()) {
      std::fprintf(stderr, "replay: %s\n", written.message.c_str());
      return 1;
    }
  }
  std::printf("replay: %zu sessions, %zu summaries %s, %d rejected\n", streams.size(),
              streams.size() - rejected, client ? "accepted" : "written", rejected);
  return rejected > 0 ? 1 : 0;
}

}  // namespace microconv
