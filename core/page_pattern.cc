#include "core/page_pattern.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace microconv {
namespace {

// "/cart/" and "/cart" are the same page; "/" becomes "" so that it equals an
// empty path.
std::string_view DropTrailingSlash(std::string_view s) {
  if (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

// A `:name` parameter starts a pattern segment and runs to the next '/'.
bool IsParamStart(std::string_view pattern, size_t p) {
  return pattern[p] == ':' && (p == 0 || pattern[p - 1] == '/') && p + 1 < pattern.size() &&
         pattern[p + 1] != '/';
}

size_t NextSlash(std::string_view s, size_t from) {
  size_t slash = s.find('/', from);
  return slash == std::string_view::npos ? s.size() : slash;
}

// Wildcard matching with one backtrack point (the last '*'), O(pattern *
// path) and allocation free. A parameter always ends where its path segment
// ends, so it is deterministic and the classic algorithm stays correct. With
// `whole_segments_prefix`, the pattern may stop at any '/' of the path.
bool MatchWildcards(std::string_view pattern, std::string_view path, bool whole_segments_prefix) {
  size_t p = 0, t = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (true) {
    if (p == pattern.size()) {
      if (t == path.size()) return true;
      if (whole_segments_prefix && path[t] == '/') return true;
    } else if (pattern[p] == '*') {
      star_p = p++;
      star_t = t;
      continue;
    } else if (IsParamStart(pattern, p)) {
      size_t end = NextSlash(path, t);
      if (end > t) {
        p = NextSlash(pattern, p);
        t = end;
        continue;
      }
    } else if (t < path.size() && pattern[p] == path[t]) {
      ++p;
      ++t;
      continue;
    }
    // Mismatch: let the last '*' swallow one more character, if any.
    if (star_p == std::string_view::npos || star_t >= path.size()) return false;
    p = star_p + 1;
    t = ++star_t;
  }
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// Identifier-like segments would make every visitor's page unique (and may
// be personal: e-mails in paths), so they never leave the browser.
bool LooksLikeIdentifier(std::string_view segment) {
  if (segment.empty()) return false;
  bool all_digits = true, hex_or_dash = true;
  size_t hex_count = 0;
  for (size_t i = 0; i < segment.size(); ++i) {
    char c = segment[i];
    if (c == '@') return true;
    if (c == '%' && i + 2 < segment.size() && segment[i + 1] == '4' && segment[i + 2] == '0') {
      return true;  // "%40" is a percent-encoded '@'
    }
    if (c < '0' || c > '9') all_digits = false;
    if (IsHex(c)) {
      ++hex_count;
    } else if (c != '-') {
      hex_or_dash = false;
    }
  }
  return all_digits || (hex_or_dash && hex_count >= 8);
}

// Longest prefix of `s` of at most `max` bytes that does not split a UTF-8
// sequence.
std::string_view Utf8Prefix(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = ToLowerAscii(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (ToLowerAscii(s[i]) != prefix[i]) return false;
  }
  return true;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && StartsWithNoCase(a, b);
}

// Lowercased host of an authority ("user@Host:443"), without "www." and a
// trailing dot; empty when it holds anything but a DNS name or IP literal.
std::string NormalizedHost(std::string_view authority) {
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return {};
    host = host.substr(0, close + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty() || host.size() > 253) return {};
  std::string out;
  out.reserve(host.size());
  for (char c : host) {
    c = ToLowerAscii(c);
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == '[' || c == ']' || c == ':';
    if (!ok) return {};
    out.push_back(c);
  }
  if (out.size() > 4 && out.compare(0, 4, "www.") == 0) out.erase(0, 4);
  return out;
}

}  // namespace

bool MatchPagePattern(std::string_view pattern, wire::PageMatch mode,
                      std::string_view path) noexcept {
  pattern = DropTrailingSlash(pattern);
  path = DropTrailingSlash(path);
  switch (mode) {
    case wire::PageMatch::Exact:
    case wire::PageMatch::Glob:
      return MatchWildcards(pattern, path, false);
    case wire::PageMatch::Prefix:
      return MatchWildcards(pattern, path, true);
  }
  return false;  // a mode this build does not know matches nothing
}

std::string SanitizePath(std::string_view path_and_query) {
  path_and_query = path_and_query.substr(0, path_and_query.find_first_of("?#"));
  std::string out;
  out.reserve(kMaxPathLength + 8);
  size_t pos = 0;
  // Empty segments ("//") are dropped, so is a trailing slash; every
  // remaining segment is written as "/segment".
  while (pos <= path_and_query.size() && out.size() < kMaxPathLength) {
    size_t end = NextSlash(path_and_query, pos);
    std::string_view segment = path_and_query.substr(pos, end - pos);
    pos = end + 1;
    if (segment.empty()) continue;
    out.push_back('/');
    if (LooksLikeIdentifier(segment)) {
      out.append(":id");
      continue;
    }
    for (size_t i = 0; i < segment.size() && out.size() <= kMaxPathLength; ++i) {
      if (!IsControl(static_cast<unsigned char>(segment[i]))) out.push_back(segment[i]);
    }
  }
  if (out.empty()) return "/";
  out.resize(Utf8Prefix(out, kMaxPathLength).size());
  return out;
}

bool LooksPersonal(std::string_view text) {
  // LooksLikeIdentifier already answers for an e-mail ('@', "%40") anywhere.
  if (LooksLikeIdentifier(text)) return true;
  size_t digits = 0;
  for (const char c : text) {
    digits = c >= '0' && c <= '9' ? digits + 1 : 0;
    if (digits >= 6) return true;
  }
  return false;
}

std::string UtmParameter(std::string_view path_and_query, std::string_view name) {
  size_t question = path_and_query.find('?');
  if (question == std::string_view::npos || name.empty()) return {};
  std::string_view query = path_and_query.substr(question + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (!StartsWithNoCase(key, "utm_") || !EqualsNoCase(key.substr(4), name)) continue;
    if (eq == std::string_view::npos) return {};
    std::string_view raw = pair.substr(eq + 1);
    // Decodes a bounded prefix: enough for kMaxUtmLength kept bytes even
    // when some decoded characters are dropped, never the whole of a long
    // attacker-made query.
    std::string decoded;
    for (size_t i = 0; i < raw.size() && decoded.size() < 4 * kMaxUtmLength; ++i) {
      char c = raw[i];
      if (c == '+') {
        c = ' ';
      } else if (c == '%' && i + 2 < raw.size() && HexValue(raw[i + 1]) >= 0 &&
                 HexValue(raw[i + 2]) >= 0) {
        c = static_cast<char>(HexValue(raw[i + 1]) * 16 + HexValue(raw[i + 2]));
        i += 2;
      }
      decoded.push_back(ToLowerAscii(c));
    }
    std::string value = KeepUtmCharacters(decoded);
    if (value.find('@') != std::string::npos) return {};
    return value;
  }
  return {};
}

std::string ReferrerDomain(std::string_view referrer_url, std::string_view own_host) {
  std::string_view rest;
  if (StartsWithNoCase(referrer_url, "https://")) {
    rest = referrer_url.substr(8);
  } else if (StartsWithNoCase(referrer_url, "http://")) {
    rest = referrer_url.substr(7);
  } else {
    return {};
  }
  std::string host = NormalizedHost(rest.substr(0, rest.find_first_of("/?#\\")));
  if (host.empty()) return {};
  // own_host may come with a port or "www." (location.host); compare alike.
  if (host == NormalizedHost(own_host)) return {};
  return IsReferrerHost(host) ? host : std::string();
}

}  // namespace microconv
