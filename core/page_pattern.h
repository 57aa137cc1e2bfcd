// Page paths and URLs: pattern matching for page templates and page-view
// rules, and the sanitising that keeps full URLs from ever leaving the
// browser (SPEC sections 4 and 5).
#ifndef MICROCONV_CORE_PAGE_PATTERN_H_
#define MICROCONV_CORE_PAGE_PATTERN_H_

#include <string>
#include <string_view>

#include "core/schema/config_generated.h"
#include "core/traffic_source.h"  // kMaxUtmLength, the referrer and UTM shapes

namespace microconv {

inline constexpr size_t kMaxPathLength = 128;

// Matches a path (no query, no fragment) against a pattern:
// - Exact: equal, where a `:name` segment matches any one non-empty segment
//   and `*` matches any run of characters (including '/');
// - Prefix: the pattern (with the same wildcards) matches a leading run of
//   whole segments ("/blog" matches "/blog" and "/blog/x", not "/blogs");
// - Glob: like Exact (kept as its own mode so configs say what they mean).
// A trailing slash is ignored on both sides ("/cart/" == "/cart").
bool MatchPagePattern(std::string_view pattern, wire::PageMatch mode,
                      std::string_view path) noexcept;

// A page path safe to send: query and fragment dropped, percent-decoding
// not applied, segments that look like identifiers (all digits, >= 8 hex
// characters, UUIDs, e-mail-like) replaced by ":id", at most kMaxPathLength
// bytes, never empty ("/").
std::string SanitizePath(std::string_view path_and_query);

// The value of utm_<name> (name: "source", "medium", "campaign") in the
// query of `path_and_query`, percent-decoded, lowercased, reduced to the
// characters IsUtmValue allows, at most kMaxUtmLength bytes; empty when
// absent, when nothing allowed is left, or when it holds an e-mail address
// ('@': a newsletter tool that tags links with the reader's address).
std::string UtmParameter(std::string_view path_and_query, std::string_view name);

// Text that may name a person or an account, so it never leaves the
// browser: an e-mail ('@' or "%40"), a run of 6 or more digits (phone,
// card, customer and order numbers), or an identifier as a whole (all
// digits, or at least 8 hex digits with only dashes besides: UUIDs, hashes).
// For element ids and form field names, which pages build from data ("user-
// 4111111111111111", "subscriber[jane@example.com]"). The tracker's twin is
// looksPersonal in web/tracker/element_path.js; tests/golden/personal_names.tsv
// holds the cases both are held to.
bool LooksPersonal(std::string_view text);

// The host of a referrer URL without "www." and port, lowercased; empty when
// it is the site's own host (`own_host`), not http(s), unparsable, or not an
// IsReferrerHost (IP-v6 literals, dotless intranet names).
std::string ReferrerDomain(std::string_view referrer_url, std::string_view own_host);

}  // namespace microconv

#endif  // MICROCONV_CORE_PAGE_PATTERN_H_
