#include "tools/cli/terminal_text.h"

#include <cstdio>

#include "core/unicode_text.h"

namespace microconv {

std::string TerminalText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    const size_t from = at;
    const char32_t cp = DecodeUtf8(text, at);
    char escape[16];
    if (cp == kMalformedUtf8 || (cp < 0x80 && IsControlCodePoint(cp))) {
      std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned char>(text[from]));
      out += escape;
    } else if (IsControlCodePoint(cp) || IsInvisibleOrBidi(cp)) {
      std::snprintf(escape, sizeof escape, cp > 0xFFFF ? "\\U%08x" : "\\u%04x",
                    static_cast<unsigned>(cp));
      out += escape;
    } else if (cp == '\\') {
      out += "\\\\";
    } else {
      out.append(text.substr(from, at - from));
    }
  }
  return out;
}

}  // namespace microconv
