#include "core/json_writer.h"

#include <cmath>

#include "core/display_numbers.h"
#include "core/unicode_text.h"

namespace microconv {

void AppendJsonString(std::string_view text, std::string& out) {
  constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<uint8_t>(text[i]);
    if (byte < 0x80) {
      switch (byte) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (byte < 0x20 || byte == 0x7f) {
            out += "\\u00";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xf];
          } else {
            out += static_cast<char>(byte);
          }
      }
      ++i;
      continue;
    }
    // Lead byte: sequence length and the valid range of the second byte
    // (Unicode 15, table 3-7: no overlongs, no surrogates, <= U+10FFFF).
    size_t length = 0;
    uint8_t low = 0x80, high = 0xbf;
    if (byte >= 0xc2 && byte <= 0xdf) {
      length = 2;
    } else if (byte >= 0xe0 && byte <= 0xef) {
      length = 3;
      if (byte == 0xe0) low = 0xa0;
      if (byte == 0xed) high = 0x9f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      length = 4;
      if (byte == 0xf0) low = 0x90;
      if (byte == 0xf4) high = 0x8f;
    }
    size_t valid = length == 0 ? 0 : 1;
    while (valid > 0 && valid < length && i + valid < text.size()) {
      const auto next = static_cast<uint8_t>(text[i + valid]);
      const uint8_t lo = valid == 1 ? low : 0x80;
      const uint8_t hi = valid == 1 ? high : 0xbf;
      if (next < lo || next > hi) break;
      ++valid;
    }
    if (length != 0 && valid == length) {
      // C1 controls and invisible or reordering characters are written as
      // escapes: JSON stays the same value, and a terminal or log viewer
      // that shows the text raw cannot be driven or misled by it.
      size_t at = i;
      const char32_t point = DecodeUtf8(text, at);
      if (IsControlCodePoint(point) || IsInvisibleOrBidi(point)) {
        const auto unit = [&](uint32_t u) {
          out += "\\u";
          for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(u >> shift) & 0xf];
        };
        if (point < 0x10000) {
          unit(point);
        } else {
          unit(0xD800 + ((point - 0x10000) >> 10));
          unit(0xDC00 + ((point - 0x10000) & 0x3FF));
        }
      } else {
        out.append(text.substr(i, length));
      }
      i += length;
    } else {
      out += "\\ufffd";
      i += valid == 0 ? 1 : valid;
    }
  }
  out += '"';
}

std::string JsonWriter::Take() && {
  out_ += '\n';
  return std::move(out_);
}

void JsonWriter::Key(std::string_view key) {
  Separate();
  AppendJsonString(key, out_);
  out_ += ": ";
  after_key_ = true;
}

void JsonWriter::String(std::string_view value) {
  Separate();
  AppendJsonString(value, out_);
}

void JsonWriter::Number(uint64_t value) {
  Separate();
  out_ += std::to_string(value);
}

void JsonWriter::Seconds(uint64_t deciseconds) {
  Separate();
  out_ += std::to_string(deciseconds / 10);
  out_ += '.';
  out_ += static_cast<char>('0' + deciseconds % 10);
}

void JsonWriter::Fixed(double value, int decimals) {
  Separate();
  // The one rounding of shown numbers (core/display_numbers.h).
  const std::string text = RoundedText(value, decimals);
  out_ += text.empty() ? "null" : text;
}

void JsonWriter::Bool(bool value) {
  Separate();
  out_ += value ? "true" : "false";
}

void JsonWriter::Null() {
  Separate();
  out_ += "null";
}

void JsonWriter::Open(char bracket, bool inline_items) {
  Separate();
  out_ += bracket;
  const bool parent_inline = !levels_.empty() && levels_.back().inline_items;
  levels_.push_back({inline_items || parent_inline, true});
}

void JsonWriter::Close(char bracket) {
  if (levels_.empty()) return;
  const Level level = levels_.back();
  levels_.pop_back();
  if (!level.empty && !level.inline_items) NewLine();
  out_ += bracket;
}

// Comma and line break before a value or key, unless it follows a key.
void JsonWriter::Separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (levels_.empty()) return;
  Level& level = levels_.back();
  if (!level.empty) out_ += level.inline_items ? ", " : ",";
  if (!level.inline_items) NewLine();
  level.empty = false;
}

void JsonWriter::NewLine() {
  out_ += '\n';
  out_.append(2 * levels_.size(), ' ');
}

}  // namespace microconv
