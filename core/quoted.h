// A value from a config shown in an error message: the compiled config check
// (config.cc) and the JSON reader (json/config_json.cc) quote the same way.
#ifndef MICROCONV_CORE_QUOTED_H_
#define MICROCONV_CORE_QUOTED_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace microconv {

// Bounded, with no control or quote characters: messages end up in logs and
// on the dashboard.
inline std::string Quoted(std::string_view s) {
  constexpr size_t kMaxShown = 64;
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < kMaxShown; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    out.push_back(c < 0x20 || c == 0x7f || c == '"' || c == '\\' ? '?' : s[i]);
  }
  if (s.size() > kMaxShown) out.append("...");
  out.push_back('"');
  return out;
}

}  // namespace microconv

#endif  // MICROCONV_CORE_QUOTED_H_
