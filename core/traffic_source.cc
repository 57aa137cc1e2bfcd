#include "core/traffic_source.h"

#include "core/unicode_text.h"

namespace microconv {
namespace {

constexpr size_t kMaxLabelLength = 63;
bool IsLdh(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

bool IsUtmCharacter(char32_t cp) {
  if (cp >= 'a' && cp <= 'z') return true;
  if (cp >= '0' && cp <= '9') return true;
  if (cp < 0x80) {
    for (char allowed : std::string_view(" !#$%&'()*+,-./:;=?@_~")) {
      if (cp == static_cast<unsigned char>(allowed)) return true;
    }
    return false;
  }
  return cp != kMalformedUtf8 && cp >= 0xA0 && !IsInvisibleOrBidi(cp);
}

}  // namespace

bool IsReferrerHost(std::string_view host) noexcept {
  if (host.empty() || host.size() > kMaxReferrerLength) return false;
  size_t labels = 0;
  for (size_t start = 0; start <= host.size(); ++labels) {
    size_t end = host.find('.', start);
    if (end == std::string_view::npos) end = host.size();
    const std::string_view label = host.substr(start, end - start);
    if (label.empty() || label.size() > kMaxLabelLength) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!IsLdh(c)) return false;
    }
    start = end + 1;
  }
  return labels >= 2;
}

bool IsUtmValue(std::string_view value) noexcept {
  if (value.empty() || value.size() > kMaxUtmLength) return false;
  if (value.front() == ' ' || value.back() == ' ') return false;
  for (size_t at = 0; at < value.size();) {
    if (!IsUtmCharacter(DecodeUtf8(value, at))) return false;
  }
  return true;
}

std::string KeepUtmCharacters(std::string_view text) {
  std::string out;
  out.reserve(text.size() < kMaxUtmLength ? text.size() : kMaxUtmLength);
  for (size_t at = 0; at < text.size();) {
    const size_t from = at;
    const char32_t cp = DecodeUtf8(text, at);
    if (!IsUtmCharacter(cp)) continue;
    if (cp == ' ' && out.empty()) continue;  // leading blanks come from sloppy tagging
    if (out.size() + (at - from) > kMaxUtmLength) break;
    out.append(text.substr(from, at - from));
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace microconv
