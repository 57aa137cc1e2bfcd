#include "tools/cli/ingest_rejections.h"

#include <algorithm>
#include <vector>

namespace microconv {

std::string IngestRejectionFix(int status, const std::string& reason) {
  constexpr const char* kSameVersion =
      "the collector could not read this summary: run simulate and serve from the same "
      "release (compare `microconv --version`)";
  if (status == 429) {
    return "the collector limits ingest per client address (default 50/s, burst 200): start "
           "serve with --rate 0 for load tests, or lower --concurrency";
  }
  if (status == 422 && reason == "start_outside_window") {
    return "serve accepts session starts from the last 48 hours by default: start serve with "
           "--history-hours covering simulate's --days (e.g. --days 14 needs --history-hours 360)";
  }
  if (status == 404 && reason == "unknown_site") {
    return "the collector has no config for this site: put the --config file in serve's --sites "
           "directory (it reloads on change)";
  }
  if (status == 409) {
    return "the collector never served this version of the site's config: give simulate the "
           "config file from serve's --sites directory";
  }
  if (status == 413)
    return "summary above the collector's 16 KiB cap: " + std::string(kSameVersion);
  if (status == 400 || status == 415) return kSameVersion;
  if (status == 403) {
    return "refused before the collector (a proxy's rules?): point --endpoint at microconv serve "
           "itself";
  }
  if (status == 503 && reason == "store_damaged") {
    return "the collector's store failed its integrity check: see serve's log and /healthz, "
           "restore a `microconv backup`";
  }
  if (status == 503) {
    return "the collector could not store the summary (disk full? store down?): see serve's log "
           "and /healthz, then retry";
  }
  return "";
}

void IngestRejections::Count(const std::string& key, const std::string& message,
                             const std::string& fix) {
  std::lock_guard lock(mutex_);
  ++total_;
  Reason& reason = reasons_[key];
  if (reason.count++ == 0) {
    reason.first_message = message;
    reason.fix = fix;
  }
}

void IngestRejections::Note(int status, const std::string& body) {
  // "rate_limited: too many requests from this address"
  const size_t colon = body.find(':');
  const std::string reason = body.substr(0, std::min(colon, body.find_first_of(" \r\n")));
  std::string message = colon == std::string::npos ? "" : body.substr(colon + 1);
  message.erase(0, message.find_first_not_of(' '));
  if (message.size() > 200) message = message.substr(0, 200) + "...";
  Count(std::to_string(status) + " " + reason, message, IngestRejectionFix(status, reason));
}

void IngestRejections::NoteUnreachable(const std::string& endpoint, const std::string& error) {
  Count("no response", "cannot reach " + endpoint + ": " + error,
        "is `microconv serve` running and listening there (--listen)?");
}

int IngestRejections::total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

std::string IngestRejections::Report() const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, Reason>> rows(reasons_.begin(), reasons_.end());
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second.count > b.second.count; });
  std::string out;
  for (const auto& [key, reason] : rows) {
    out += "  " + std::to_string(reason.count) + " x " + key;
    if (!reason.first_message.empty()) out += ": " + reason.first_message;
    out += "\n";
    if (!reason.fix.empty()) out += "      fix: " + reason.fix + "\n";
  }
  return out;
}

}  // namespace microconv
