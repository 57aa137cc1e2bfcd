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

std::string CsvCell(std::string_view text) {
  std::string cell;
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
                        text[0] == '\t' || text[0] == '\r')) {
    cell += '\'';
  }
  cell.append(text);
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  const bool quote = cell.find_first_of("\",\r\n") != std::string::npos ||
                     (!cell.empty() && (is_space(cell.front()) || is_space(cell.back())));
  if (!quote) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

}  // namespace microconv
