#include "tools/cli/summary_bytes.h"

#include <cctype>

namespace microconv {
namespace {

// The playground's dump line (demo-site/store/assets/playground.js,
// hexDump): "OOOO  xx xx xx xx xx xx xx xx  xx xx ... xx  text", the two
// groups padded to 23 characters each, so the bytes sit in fixed columns and
// the text after them (which may look like hex) is never read as bytes.
constexpr size_t kDumpGroupWidth = 23;
constexpr size_t kDumpBytesWidth = kDumpGroupWidth + 2 + kDumpGroupWidth;

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The offset of a dump line ("0010  ..."), or npos when it is not one.
size_t DumpOffset(std::string_view line) {
  size_t digits = 0;
  while (digits < line.size() && HexDigit(line[digits]) >= 0) ++digits;
  if (digits < 4 || line.substr(digits, 2) != "  ") return std::string_view::npos;
  size_t offset = 0;
  for (size_t i = 0; i < digits; ++i) offset = offset * 16 + HexDigit(line[i]);
  return offset;
}

Result<std::string> LineError(size_t line, const std::string& what) {
  return {Error::kOutOfRange, "hex line " + std::to_string(line) + ": " + what};
}

}  // namespace

bool LooksLikeHex(std::string_view input) {
  for (char c : input) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t' && c != '\n' && c != '\r') || byte == 0x7f) return false;
  }
  return !input.empty();
}

Result<std::string> BytesOfHex(std::string_view text) {
  std::string bytes;
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const size_t offset = DumpOffset(line);
    if (offset != std::string_view::npos) {
      if (offset != bytes.size()) {
        return LineError(line_number, "the dump's offset is " + std::string(line.substr(0, 4)) +
                                          ", expected byte " + std::to_string(bytes.size()));
      }
      line = line.substr(line.find("  ") + 2, kDumpBytesWidth);
    }
    int high = -1;
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (c == '0' && i + 1 < line.size() && (line[i + 1] == 'x' || line[i + 1] == 'X') &&
          high < 0) {
        ++i;  // a "0x" prefix
        continue;
      }
      const int digit = HexDigit(c);
      if (digit >= 0) {
        if (high < 0) {
          high = digit;
        } else {
          bytes += static_cast<char>(high * 16 + digit);
          high = -1;
        }
        continue;
      }
      if (std::isspace(static_cast<unsigned char>(c)) == 0 && c != ',' && c != ':') {
        return LineError(line_number, "unexpected character '" + std::string(1, c) +
                                          "' (hex digits, spaces, commas and 0x only)");
      }
      if (high >= 0) return LineError(line_number, "a lone hex digit (bytes are two digits)");
    }
    if (high >= 0) return LineError(line_number, "a lone hex digit (bytes are two digits)");
  }
  if (bytes.empty()) return {Error::kOutOfRange, "no hex digits"};
  return bytes;
}

Result<std::string> SummaryBytesOf(std::string input) {
  if (!LooksLikeHex(input)) return input;
  return BytesOfHex(input);
}

}  // namespace microconv
