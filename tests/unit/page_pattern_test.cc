#include "core/page_pattern.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace microconv {
namespace {

constexpr auto kExact = wire::PageMatch::Exact;
constexpr auto kPrefix = wire::PageMatch::Prefix;
constexpr auto kGlob = wire::PageMatch::Glob;

TEST(MatchPagePatternTest, ExactComparesWholePath) {
  EXPECT_TRUE(MatchPagePattern("/cart", kExact, "/cart"));
  EXPECT_FALSE(MatchPagePattern("/cart", kExact, "/carts"));
  EXPECT_FALSE(MatchPagePattern("/cart", kExact, "/car"));
  EXPECT_FALSE(MatchPagePattern("/cart", kExact, "/cart/x"));
  EXPECT_FALSE(MatchPagePattern("/cart", kExact, "/Cart"));  // paths are case-sensitive
}

TEST(MatchPagePatternTest, TrailingSlashIgnoredOnBothSides) {
  EXPECT_TRUE(MatchPagePattern("/cart/", kExact, "/cart"));
  EXPECT_TRUE(MatchPagePattern("/cart", kExact, "/cart/"));
  EXPECT_TRUE(MatchPagePattern("/cart/", kExact, "/cart/"));
  EXPECT_TRUE(MatchPagePattern("/cart", kPrefix, "/cart/"));
  // Only one slash is a "trailing slash"; "//" is another path.
  EXPECT_FALSE(MatchPagePattern("/cart", kExact, "/cart//"));
}

TEST(MatchPagePatternTest, RootAndEmpty) {
  EXPECT_TRUE(MatchPagePattern("/", kExact, "/"));
  EXPECT_TRUE(MatchPagePattern("/", kExact, ""));
  EXPECT_TRUE(MatchPagePattern("", kExact, "/"));
  EXPECT_FALSE(MatchPagePattern("/", kExact, "/a"));
  EXPECT_FALSE(MatchPagePattern("/", kExact, "//"));
  EXPECT_FALSE(MatchPagePattern("/a", kExact, ""));
  // The root as a prefix covers the whole site.
  EXPECT_TRUE(MatchPagePattern("/", kPrefix, "/"));
  EXPECT_TRUE(MatchPagePattern("/", kPrefix, "/any/thing"));
  EXPECT_TRUE(MatchPagePattern("/", kPrefix, ""));
}

TEST(MatchPagePatternTest, ParamMatchesOneNonEmptySegment) {
  EXPECT_TRUE(MatchPagePattern("/product/:id", kExact, "/product/123"));
  EXPECT_TRUE(MatchPagePattern("/product/:id", kExact, "/product/abc-def"));
  EXPECT_TRUE(MatchPagePattern("/product/:id", kExact, "/product/123/"));
  EXPECT_FALSE(MatchPagePattern("/product/:id", kExact, "/product"));
  EXPECT_FALSE(MatchPagePattern("/product/:id", kExact, "/product/"));
  EXPECT_FALSE(MatchPagePattern("/product/:id", kExact, "/product//"));
  EXPECT_FALSE(MatchPagePattern("/product/:id", kExact, "/product/1/2"));
  EXPECT_TRUE(MatchPagePattern("/:a/:b", kExact, "/x/y"));
  EXPECT_FALSE(MatchPagePattern("/:a/:b", kExact, "/x"));
  EXPECT_TRUE(MatchPagePattern("/order/:id/receipt", kExact, "/order/77/receipt"));
  EXPECT_FALSE(MatchPagePattern("/order/:id/receipt", kExact, "/order/77/invoice"));
}

TEST(MatchPagePatternTest, ColonInsideSegmentIsLiteral) {
  EXPECT_TRUE(MatchPagePattern("/a:b", kExact, "/a:b"));
  EXPECT_FALSE(MatchPagePattern("/a:b", kExact, "/ax"));
  // A lone ':' names nothing and stays literal.
  EXPECT_TRUE(MatchPagePattern("/:", kExact, "/:"));
  EXPECT_FALSE(MatchPagePattern("/:", kExact, "/x"));
}

TEST(MatchPagePatternTest, StarMatchesAnyRunIncludingSlashes) {
  EXPECT_TRUE(MatchPagePattern("/blog/*", kGlob, "/blog/post"));
  EXPECT_TRUE(MatchPagePattern("/blog/*", kGlob, "/blog/2024/05/post"));
  EXPECT_FALSE(MatchPagePattern("/blog/*", kGlob, "/blog"));
  EXPECT_FALSE(MatchPagePattern("/blog/*", kGlob, "/blogs/x"));
  EXPECT_TRUE(MatchPagePattern("*", kGlob, "/anything/at/all"));
  EXPECT_TRUE(MatchPagePattern("/*/edit", kGlob, "/a/b/c/edit"));
  EXPECT_FALSE(MatchPagePattern("/*/edit", kGlob, "/a/b/c/editor"));
  EXPECT_TRUE(MatchPagePattern("/a*b*c", kGlob, "/aXXbYYc"));
  EXPECT_TRUE(MatchPagePattern("/a*b*c", kGlob, "/abc"));
  EXPECT_FALSE(MatchPagePattern("/a*b*c", kGlob, "/acb"));
  EXPECT_TRUE(MatchPagePattern("/**", kGlob, "/x"));
  // Exact has the same wildcards as Glob.
  EXPECT_TRUE(MatchPagePattern("/blog/*", kExact, "/blog/post"));
}

TEST(MatchPagePatternTest, StarBacktracksAcrossParams) {
  EXPECT_TRUE(MatchPagePattern("*/product/:id", kGlob, "/de/shop/product/9"));
  EXPECT_FALSE(MatchPagePattern("*/product/:id", kGlob, "/de/shop/product/9/x"));
  EXPECT_TRUE(MatchPagePattern("*/:id/end", kGlob, "/a/b/end"));
  EXPECT_TRUE(MatchPagePattern("/x/*/:slug", kGlob, "/x/a/b/c"));
  EXPECT_FALSE(MatchPagePattern("/x/*/:slug", kGlob, "/x/a"));
}

TEST(MatchPagePatternTest, PrefixStopsAtSegmentBoundaries) {
  EXPECT_TRUE(MatchPagePattern("/blog", kPrefix, "/blog"));
  EXPECT_TRUE(MatchPagePattern("/blog", kPrefix, "/blog/x"));
  EXPECT_TRUE(MatchPagePattern("/blog", kPrefix, "/blog/x/y/"));
  EXPECT_FALSE(MatchPagePattern("/blog", kPrefix, "/blogs"));
  EXPECT_FALSE(MatchPagePattern("/blog", kPrefix, "/blo"));
  EXPECT_TRUE(MatchPagePattern("/blog/", kPrefix, "/blog/x"));
  EXPECT_TRUE(MatchPagePattern("/product/:id", kPrefix, "/product/1/reviews"));
  EXPECT_FALSE(MatchPagePattern("/product/:id", kPrefix, "/product"));
  EXPECT_TRUE(MatchPagePattern("/a*", kPrefix, "/abc/def"));
  EXPECT_TRUE(MatchPagePattern("/*/x", kPrefix, "/q/x/more"));
  EXPECT_FALSE(MatchPagePattern("/*/x", kPrefix, "/q/xy"));
}

TEST(MatchPagePatternTest, UnknownModeMatchesNothing) {
  EXPECT_FALSE(MatchPagePattern("/", static_cast<wire::PageMatch>(9), "/"));
}

TEST(MatchPagePatternTest, UnicodeAndHostilePaths) {
  EXPECT_TRUE(MatchPagePattern("/caf\xC3\xA9", kExact, "/caf\xC3\xA9"));
  EXPECT_FALSE(MatchPagePattern("/caf\xC3\xA9", kExact, "/cafe"));
  EXPECT_TRUE(MatchPagePattern("/p/:id", kExact, "/p/\xE2\x9C\x93"));
  EXPECT_FALSE(MatchPagePattern("/admin", kExact, "/x/../admin"));
  EXPECT_FALSE(MatchPagePattern("/admin", kExact, "/admin%00"));
  EXPECT_FALSE(MatchPagePattern("/admin", kExact, std::string("/admin\0x", 8)));
  EXPECT_FALSE(MatchPagePattern("/a", kExact, "//a"));
}

TEST(MatchPagePatternTest, LongPathsStayCorrect) {
  std::string deep;
  for (int i = 0; i < 2000; ++i) deep += "/seg";
  EXPECT_TRUE(MatchPagePattern("/seg*", kGlob, deep));
  EXPECT_FALSE(MatchPagePattern("/seg*x", kGlob, deep));
  EXPECT_TRUE(MatchPagePattern("/seg", kPrefix, deep));
  EXPECT_TRUE(MatchPagePattern("*/:x", kGlob, deep));
  // Many stars against a long mismatching path: quadratic, not exponential.
  std::string a(4000, 'a');
  EXPECT_FALSE(MatchPagePattern("*a*a*a*a*a*a*a*b", kGlob, a));
}

TEST(SanitizePathTest, DropsQueryAndFragment) {
  EXPECT_EQ(SanitizePath("/checkout?token=secret&utm_source=x"), "/checkout");
  EXPECT_EQ(SanitizePath("/page#section"), "/page");
  EXPECT_EQ(SanitizePath("/page#frag?x=1"), "/page");
  EXPECT_EQ(SanitizePath("/reset?password=hunter2#x"), "/reset");
}

TEST(SanitizePathTest, NeverEmpty) {
  EXPECT_EQ(SanitizePath(""), "/");
  EXPECT_EQ(SanitizePath("/"), "/");
  EXPECT_EQ(SanitizePath("?q=1"), "/");
  EXPECT_EQ(SanitizePath("//"), "/");
  EXPECT_EQ(SanitizePath("#"), "/");
}

TEST(SanitizePathTest, ReplacesIdentifierSegments) {
  EXPECT_EQ(SanitizePath("/order/123456"), "/order/:id");
  EXPECT_EQ(SanitizePath("/user/42/profile"), "/user/:id/profile");
  EXPECT_EQ(SanitizePath("/blob/deadbeef"), "/blob/:id");
  EXPECT_EQ(SanitizePath("/blob/DEADBEEF00"), "/blob/:id");
  EXPECT_EQ(SanitizePath("/s/123e4567-e89b-12d3-a456-426614174000/x"), "/s/:id/x");
  EXPECT_EQ(SanitizePath("/u/jane.doe@example.com"), "/u/:id");
  EXPECT_EQ(SanitizePath("/u/jane.doe%40example.com/orders"), "/u/:id/orders");
  // Words and short hex stay: they are pages, not people.
  EXPECT_EQ(SanitizePath("/blog/cafe"), "/blog/cafe");
  EXPECT_EQ(SanitizePath("/page-2"), "/page-2");
  EXPECT_EQ(SanitizePath("/abcdef1"), "/abcdef1");
  EXPECT_EQ(SanitizePath("/category/headphones"), "/category/headphones");
}

TEST(SanitizePathTest, NormalisesSlashes) {
  EXPECT_EQ(SanitizePath("/cart/"), "/cart");
  EXPECT_EQ(SanitizePath("//a///b//"), "/a/b");
  EXPECT_EQ(SanitizePath("cart"), "/cart");
}

TEST(SanitizePathTest, HostileInputStaysInert) {
  EXPECT_EQ(SanitizePath("/../etc/passwd"), "/../etc/passwd");    // a label, never a file path
  EXPECT_EQ(SanitizePath("/a%00b"), "/a%00b");                    // not decoded
  EXPECT_EQ(SanitizePath(std::string("/a\0b\n\x7f", 6)), "/ab");  // control bytes dropped
  EXPECT_EQ(SanitizePath("/<script>alert(1)</script>"), "/<script>alert(1)</script>");
}

TEST(SanitizePathTest, CapsLengthOnCharacterBoundary) {
  std::string long_path = "/" + std::string(1000, 'x');
  EXPECT_EQ(SanitizePath(long_path).size(), kMaxPathLength);
  // Two-byte characters: the cut at 128 would split one.
  std::string unicode = "/";
  for (int i = 0; i < 100; ++i) unicode += "\xC3\xA9";
  std::string out = SanitizePath(unicode);
  EXPECT_EQ(out.size(), kMaxPathLength - 1);
  EXPECT_NE(static_cast<unsigned char>(out.back()), 0xC3);
  std::string many = "";
  for (int i = 0; i < 200; ++i) many += "/ab";
  EXPECT_EQ(SanitizePath(many).size(), kMaxPathLength);
  EXPECT_EQ(SanitizePath(many + "?secret=1").size(), kMaxPathLength);
}

TEST(UtmParameterTest, ReadsDecodesAndLowercases) {
  EXPECT_EQ(UtmParameter("/?utm_source=Newsletter", "source"), "newsletter");
  EXPECT_EQ(UtmParameter("/p?a=1&utm_medium=e%2Dmail&b=2", "medium"), "e-mail");
  EXPECT_EQ(UtmParameter("/p?utm_campaign=Spring+Sale%21", "campaign"), "spring sale!");
  EXPECT_EQ(UtmParameter("/p?UTM_SOURCE=X", "source"), "x");
  EXPECT_EQ(UtmParameter("/p?utm_source=a&utm_source=b", "source"), "a");  // first wins
  EXPECT_EQ(UtmParameter("/p?utm_source=caf%C3%A9", "source"), "caf\xC3\xA9");
}

TEST(UtmParameterTest, AbsentOrEmpty) {
  EXPECT_EQ(UtmParameter("/p", "source"), "");
  EXPECT_EQ(UtmParameter("/p?utm_medium=x", "source"), "");
  EXPECT_EQ(UtmParameter("/p?utm_source", "source"), "");
  EXPECT_EQ(UtmParameter("/p?utm_source=", "source"), "");
  EXPECT_EQ(UtmParameter("/p?utm_sources=x", "source"), "");
  EXPECT_EQ(UtmParameter("/p?xutm_source=x", "source"), "");
  EXPECT_EQ(UtmParameter("/p#utm_source=x", "source"), "");
  EXPECT_EQ(UtmParameter("/p?utm_source=x", ""), "");
}

TEST(UtmParameterTest, StopsAtFragmentAndDropsControls) {
  EXPECT_EQ(UtmParameter("/p?utm_source=a#b", "source"), "a");
  EXPECT_EQ(UtmParameter("/p?utm_source=a%00b%0A", "source"), "ab");
  EXPECT_EQ(UtmParameter("/p?utm_source=%zz%4", "source"), "%zz%4");  // malformed stays literal
  EXPECT_EQ(UtmParameter("/p?utm_source=+x+", "source"), "x");
}

TEST(UtmParameterTest, AnEmailAddressIsNeverKept) {
  // Newsletter tools tag links with the reader's address.
  EXPECT_EQ(UtmParameter("/?utm_source=jane.doe@example.com", "source"), "");
  EXPECT_EQ(UtmParameter("/?utm_campaign=spring&utm_source=jane%40example.com", "source"), "");
  EXPECT_EQ(UtmParameter("/?utm_campaign=spring&utm_source=jane%40example.com", "campaign"),
            "spring");
  // Dates and numbers in campaign names are not personal.
  EXPECT_EQ(UtmParameter("/?utm_campaign=20240315_newsletter", "campaign"), "20240315_newsletter");
}

// Each case of tests/golden/personal_names.tsv, which the tracker's twin
// (web/tracker/element_path.js) is held to by tests/web/personal_names.test.mjs.
TEST(LooksPersonalTest, GoldenCases) {
  std::ifstream in(std::string(MICROCONV_SOURCE_DIR) + "/tests/golden/personal_names.tsv");
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    ASSERT_GE(line.size(), 2u) << line;
    EXPECT_EQ(LooksPersonal(line.substr(2)), line[0] == '1') << line;
    ++cases;
  }
  EXPECT_GE(cases, 20);
}

TEST(UtmParameterTest, CapsLength) {
  std::string value(500, 'a');
  EXPECT_EQ(UtmParameter("/?utm_source=" + value, "source").size(), kMaxUtmLength);
  std::string accents;
  for (int i = 0; i < 40; ++i) accents += "%C3%A9";
  std::string out = UtmParameter("/?utm_source=x" + accents, "source");
  EXPECT_EQ(out.size(), kMaxUtmLength - 1);
}

TEST(ReferrerDomainTest, ExtractsHost) {
  EXPECT_EQ(ReferrerDomain("https://www.Google.com/search?q=x", "shop.example"), "google.com");
  EXPECT_EQ(ReferrerDomain("http://news.ycombinator.com:8080/item", "shop.example"),
            "news.ycombinator.com");
  EXPECT_EQ(ReferrerDomain("https://user:pw@mail.example.org/x", "shop.example"),
            "mail.example.org");
  EXPECT_EQ(ReferrerDomain("HTTPS://Example.COM.", "shop.example"), "example.com");
  EXPECT_EQ(ReferrerDomain("https://example.com?x", "shop.example"), "example.com");
  // IP-v6 literals are not host names (core/traffic_source.h).
  EXPECT_EQ(ReferrerDomain("https://[2001:db8::1]:443/", "shop.example"), "");
}

TEST(ReferrerDomainTest, OwnSiteIsEmpty) {
  EXPECT_EQ(ReferrerDomain("https://shop.example/cart", "shop.example"), "");
  EXPECT_EQ(ReferrerDomain("https://www.shop.example/cart", "shop.example"), "");
  EXPECT_EQ(ReferrerDomain("https://SHOP.example/", "www.shop.example:443"), "");
  EXPECT_EQ(ReferrerDomain("https://blog.shop.example/", "shop.example"), "blog.shop.example");
}

TEST(ReferrerDomainTest, RejectsOtherSchemesAndGarbage) {
  EXPECT_EQ(ReferrerDomain("", "a.example"), "");
  EXPECT_EQ(ReferrerDomain("android-app://com.google/", "a.example"), "");
  EXPECT_EQ(ReferrerDomain("javascript:alert(1)", "a.example"), "");
  EXPECT_EQ(ReferrerDomain("file:///etc/passwd", "a.example"), "");
  EXPECT_EQ(ReferrerDomain("https://", "a.example"), "");
  EXPECT_EQ(ReferrerDomain("https:///path", "a.example"), "");
  EXPECT_EQ(ReferrerDomain("https://ex<script>.com/", "a.example"), "");
  EXPECT_EQ(ReferrerDomain("https://b\xC3\xBC"
                           "cher.de/",
                           "a.example"),
            "");  // raw IDN
  EXPECT_EQ(ReferrerDomain("https://[::1/", "a.example"), "");
  EXPECT_EQ(ReferrerDomain("https://" + std::string(300, 'a') + ".com/", "a.example"), "");
  EXPECT_EQ(ReferrerDomain("https://evil.com\\@a.example/", "a.example"), "evil.com");
}

}  // namespace
}  // namespace microconv
