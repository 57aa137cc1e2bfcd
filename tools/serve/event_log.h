// The collector's log: one line per event on stderr. Callers never pass an
// address or a summary's content (SPEC section 7).
#ifndef MICROCONV_TOOLS_SERVE_EVENT_LOG_H_
#define MICROCONV_TOOLS_SERVE_EVENT_LOG_H_

#include <cstdio>
#include <string_view>

namespace microconv {

inline void LogEvent(std::string_view line) {
  // One fprintf per line: stdio locks the stream, so lines never interleave.
  std::fprintf(stderr, "microconv: %.*s\n", static_cast<int>(line.size()), line.data());
}

}  // namespace microconv

#endif  // MICROCONV_TOOLS_SERVE_EVENT_LOG_H_
