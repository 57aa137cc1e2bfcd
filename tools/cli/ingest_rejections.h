// Why a collector refused summaries, and what fixes it: `microconv
// simulate` counts each refusal by its reason (the collector answers
// "reason: message", tools/serve/collector.cc) and ends with one line per
// reason and its fix ("429 rate_limited: start serve with --rate 0 for load
// tests"), so 919 refusals out of 1,170 are not a mystery.
#ifndef MICROCONV_TOOLS_CLI_INGEST_REJECTIONS_H_
#define MICROCONV_TOOLS_CLI_INGEST_REJECTIONS_H_

#include <map>
#include <mutex>
#include <string>

namespace microconv {

// The fix for a refusal with HTTP `status` and `reason` (the body's first
// word, "rate_limited"), or "" when there is none to give.
std::string IngestRejectionFix(int status, const std::string& reason);

// Refusals counted per status and reason; thread-safe.
class IngestRejections {
 public:
  // A response other than 202 with its body.
  void Note(int status, const std::string& body);
  // No response: the collector at `endpoint` could not be reached.
  void NoteUnreachable(const std::string& endpoint, const std::string& error);

  int total() const;
  // One line per reason, most frequent first: "  919 x 429 rate_limited:
  // too many requests from this address\n        fix: start serve ...".
  std::string Report() const;

 private:
  struct Reason {
    int count = 0;
    std::string first_message;
    std::string fix;
  };
  void Count(const std::string& key, const std::string& message, const std::string& fix);

  mutable std::mutex mutex_;
  std::map<std::string, Reason> reasons_;
  int total_ = 0;
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_CLI_INGEST_REJECTIONS_H_
