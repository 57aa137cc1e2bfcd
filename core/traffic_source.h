// Where a visit came from: the referrer host and the utm_* values. Both are
// typed by strangers (any site can link with any query string), so the
// browser keeps only values of the shapes below and the collector refuses a
// summary carrying anything else (SPEC section 10). One definition serves
// the tracker's extraction (core/page_pattern.cc) and VerifySummary.
#ifndef MICROCONV_CORE_TRAFFIC_SOURCE_H_
#define MICROCONV_CORE_TRAFFIC_SOURCE_H_

#include <string>
#include <string_view>

namespace microconv {

inline constexpr size_t kMaxUtmLength = 64;
inline constexpr size_t kMaxReferrerLength = 253;  // a DNS name

// A referrer host: lowercase LDH labels (a-z, 0-9, '-' not at either end,
// 1..63 bytes; IDNA "xn--" punycode is LDH), at least two labels, at most
// kMaxReferrerLength bytes; no port, path, userinfo, trailing dot or IP-v6
// literal. Dotless intranet names ("localhost") are not referrers.
bool IsReferrerHost(std::string_view host) noexcept;

// A utm_* value: 1..kMaxUtmLength bytes of well-formed UTF-8, no space at
// either end, made of a-z, 0-9, space, the ASCII punctuation
// !#$%&'()*+,-./:;=?@_~ and any non-ASCII character from U+00A0 up except
// invisible and direction-changing ones (soft hyphen, zero-width, bidi
// marks, embeddings, overrides and isolates, BOM, variation selectors,
// tags, specials). Excluded: uppercase (values are lowercased), quotes,
// <>\^`{|}[], and every C0/C1 control and DEL.
bool IsUtmValue(std::string_view value) noexcept;

// `text` with every character IsUtmValue does not allow dropped (bytes of
// malformed UTF-8 included), then trimmed of spaces and cut to
// kMaxUtmLength bytes on a character boundary: always "" or an IsUtmValue.
std::string KeepUtmCharacters(std::string_view text);

}  // namespace microconv

#endif  // MICROCONV_CORE_TRAFFIC_SOURCE_H_
