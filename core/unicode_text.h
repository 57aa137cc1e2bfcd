// Code points that can deceive whoever reads untrusted text: controls that
// drive a terminal (C0, DEL, C1: ESC starts an escape sequence, U+009B is a
// one-byte CSI) and characters that render as nothing or reorder the text
// around them (bidi overrides, zero-width characters). The one list that
// traffic-source validation (core/traffic_source.cc), JSON escaping
// (core/json_writer.cc) and the CLI's terminal output (tools/cli) share.
#ifndef MICROCONV_CORE_UNICODE_TEXT_H_
#define MICROCONV_CORE_UNICODE_TEXT_H_

#include <string_view>

namespace microconv {

inline constexpr char32_t kMalformedUtf8 = 0xFFFFFFFF;

// Decodes the UTF-8 character at `at` and advances past it; kMalformedUtf8
// (advancing one byte) for overlong forms, surrogates, values above
// U+10FFFF, stray continuation bytes and cut sequences.
constexpr char32_t DecodeUtf8(std::string_view s, size_t& at) noexcept {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(at);
  size_t length = 0;
  char32_t cp = 0, min = 0;
  if (lead < 0x80) {
    ++at;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    ++at;
    return kMalformedUtf8;
  }
  if (at + length > s.size()) {
    ++at;
    return kMalformedUtf8;
  }
  for (size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) {
      ++at;
      return kMalformedUtf8;
    }
    cp = cp << 6 | (byte(at + i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++at;
    return kMalformedUtf8;
  }
  at += length;
  return cp;
}

// C0 (U+0000..U+001F), DEL and C1 (U+0080..U+009F).
constexpr bool IsControlCodePoint(char32_t cp) noexcept {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

// Soft hyphen, zero-width and joiner characters, bidi marks, embeddings,
// overrides and isolates, line/paragraph separators, BOM, Hangul fillers,
// variation selectors, tags, specials: invisible, or they reorder a line.
constexpr bool IsInvisibleOrBidi(char32_t cp) noexcept {
  return cp == 0x00AD || cp == 0x034F || cp == 0x061C || cp == 0x115F || cp == 0x1160 ||
         cp == 0x17B4 || cp == 0x17B5 || (cp >= 0x180B && cp <= 0x180F) ||
         (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) ||
         (cp >= 0x205F && cp <= 0x206F) || cp == 0x3164 || (cp >= 0xFE00 && cp <= 0xFE0F) ||
         cp == 0xFEFF || cp == 0xFFA0 || (cp >= 0xFFF0 && cp <= 0xFFFF) ||
         (cp >= 0xE0000 && cp <= 0xE0FFF);
}

}  // namespace microconv

#endif  // MICROCONV_CORE_UNICODE_TEXT_H_
