// Untrusted values at the summary boundary (issue 10, point 5): the shapes
// of referrers and UTM values, the session-start window, and the escaping
// that keeps terminal and bidi tricks out of JSON.
#include "core/traffic_source.h"

#include <gtest/gtest.h>

#include <string>

#include "core/json_writer.h"
#include "core/page_pattern.h"
#include "core/summary.h"

namespace microconv {
namespace {

TEST(ReferrerHostTest, AcceptsHostNames) {
  EXPECT_TRUE(IsReferrerHost("google.com"));
  EXPECT_TRUE(IsReferrerHost("news.ycombinator.com"));
  EXPECT_TRUE(IsReferrerHost("xn--bcher-kva.de"));  // IDNA punycode
  EXPECT_TRUE(IsReferrerHost("a-b.c0"));
  EXPECT_TRUE(IsReferrerHost("192.168.1.10"));  // LDH labels too
  EXPECT_TRUE(IsReferrerHost(std::string(63, 'a') + ".com"));
}

TEST(ReferrerHostTest, RefusesEverythingElse) {
  EXPECT_FALSE(IsReferrerHost(""));
  EXPECT_FALSE(IsReferrerHost("localhost"));   // no dot
  EXPECT_FALSE(IsReferrerHost("Google.com"));  // not lowercase
  EXPECT_FALSE(IsReferrerHost("google.com:443"));
  EXPECT_FALSE(IsReferrerHost("google.com/path"));
  EXPECT_FALSE(IsReferrerHost("user@google.com"));
  EXPECT_FALSE(IsReferrerHost("google.com."));
  EXPECT_FALSE(IsReferrerHost(".google.com"));
  EXPECT_FALSE(IsReferrerHost("a..com"));
  EXPECT_FALSE(IsReferrerHost("-a.com"));
  EXPECT_FALSE(IsReferrerHost("a-.com"));
  EXPECT_FALSE(IsReferrerHost("[2001:db8::1]"));
  EXPECT_FALSE(
      IsReferrerHost("b\xC3\xBC"
                     "cher.de"));  // raw IDN
  EXPECT_FALSE(IsReferrerHost("buy cheap pills.com"));
  EXPECT_FALSE(IsReferrerHost(std::string(64, 'a') + ".com"));
  std::string long_name;
  while (long_name.size() < 254) long_name += "abcdefghi.";
  long_name += "com";
  EXPECT_FALSE(IsReferrerHost(long_name));
}

TEST(UtmValueTest, AcceptsTheBoundedSet) {
  EXPECT_TRUE(IsUtmValue("google"));
  EXPECT_TRUE(IsUtmValue("spring sale!"));
  EXPECT_TRUE(IsUtmValue("e-mail_2024/q1:a+b@c.d~e,f;g=h?i&j#k$l%m(n)'o*"));
  EXPECT_TRUE(IsUtmValue("caf\xC3\xA9"));
  EXPECT_TRUE(IsUtmValue("\xE6\x98\xA5"));  // a CJK character
  EXPECT_TRUE(IsUtmValue(std::string(kMaxUtmLength, 'a')));
}

TEST(UtmValueTest, RefusesControlsBidiMarkupAndLength) {
  EXPECT_FALSE(IsUtmValue(""));
  EXPECT_FALSE(IsUtmValue(" lead"));
  EXPECT_FALSE(IsUtmValue("trail "));
  EXPECT_FALSE(IsUtmValue("Upper"));
  EXPECT_FALSE(IsUtmValue("\x1b[31mred"));
  EXPECT_FALSE(IsUtmValue("a\x7f"));
  EXPECT_FALSE(
      IsUtmValue("a\xC2\x9B"
                 "31m"));  // C1 CSI
  EXPECT_FALSE(
      IsUtmValue("a\xE2\x80\xAE"
                 "b"));  // right-to-left override
  EXPECT_FALSE(
      IsUtmValue("a\xE2\x80\x8B"
                 "b"));  // zero-width space
  EXPECT_FALSE(IsUtmValue("<script>"));
  EXPECT_FALSE(IsUtmValue("say \"hi\""));
  EXPECT_FALSE(IsUtmValue("a\\b"));
  EXPECT_FALSE(IsUtmValue("a\xC3"));         // cut UTF-8
  EXPECT_FALSE(IsUtmValue("\xC0\xAF"));      // overlong '/'
  EXPECT_FALSE(IsUtmValue("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(IsUtmValue(std::string(kMaxUtmLength + 1, 'a')));
}

TEST(UtmValueTest, ExtractionKeepsOnlyAllowedCharacters) {
  EXPECT_EQ(UtmParameter("/?utm_source=%1B%5B31mred", "source"), "31mred");
  EXPECT_EQ(UtmParameter("/?utm_source=a%E2%80%AEb", "source"), "ab");
  EXPECT_EQ(UtmParameter("/?utm_source=%3Cscript%3E", "source"), "script");
  EXPECT_EQ(UtmParameter("/?utm_source=%22%5C%60", "source"), "");
  EXPECT_EQ(UtmParameter("/?utm_source=%FF%C3", "source"), "");
  for (const char* query : {"/?utm_source=%1B%5B31mred%E2%80%AE", "/?utm_campaign=%22a%22+b+",
                            "/?utm_medium=%C2%9B%C3%A9t%C3%A9"}) {
    for (const char* name : {"source", "medium", "campaign"}) {
      const std::string value = UtmParameter(query, name);
      EXPECT_TRUE(value.empty() || IsUtmValue(value)) << query << " " << name;
    }
  }
}

TEST(ReferrerHostTest, ExtractionGivesOnlyHostNames) {
  EXPECT_EQ(ReferrerDomain("http://localhost:8080/", "a.example"), "");
  EXPECT_EQ(ReferrerDomain("https://[2001:db8::1]/", "a.example"), "");
  EXPECT_EQ(ReferrerDomain("https://xn--bcher-kva.de/x", "a.example"), "xn--bcher-kva.de");
}

wire::SummaryT Dated(uint32_t start_minute) {
  wire::SummaryT object;
  object.version = kSummaryVersion;
  object.site = "shop";
  object.start_minute = start_minute;
  return object;
}

Status CheckStart(uint32_t start_minute, int64_t now_ms, StartWindow window = {}) {
  const std::vector<uint8_t> bytes = EncodeSummary(Dated(start_minute));
  auto verified = VerifySummary(bytes);
  EXPECT_TRUE(verified.ok()) << verified.message();
  return CheckSessionStart(*verified.value(), now_ms, window);
}

TEST(SessionStartTest, WindowAroundTheCollectorClock) {
  const int64_t now_minute = 29'000'000;  // 2025-02-19
  const int64_t now_ms = now_minute * 60000 + 30000;
  EXPECT_TRUE(CheckStart(now_minute, now_ms).ok());
  EXPECT_TRUE(CheckStart(now_minute - 48 * 60, now_ms).ok());
  EXPECT_TRUE(CheckStart(now_minute + 10, now_ms).ok());
  const Status old = CheckStart(now_minute - 48 * 60 - 1, now_ms);
  EXPECT_EQ(old.error, Error::kOutOfRange);
  EXPECT_NE(old.message.find("before the collector's clock"), std::string::npos);
  const Status ahead = CheckStart(now_minute + 11, now_ms);
  EXPECT_EQ(ahead.error, Error::kOutOfRange);
  EXPECT_NE(ahead.message.find("after the collector's clock"), std::string::npos);
  // 1970, 2021, 2999 and the largest start_minute (year 10136).
  for (uint32_t minute : {0u, 26'700'000u, 540'000'000u, 4'294'967'295u}) {
    EXPECT_FALSE(CheckStart(minute, now_ms).ok()) << minute;
  }
  EXPECT_TRUE(CheckStart(now_minute - 72 * 60, now_ms, {.max_age_minutes = 96 * 60}).ok());
}

TEST(SessionStartTest, TrafficSourceIsCheckedBesideVerify) {
  wire::SummaryT object = Dated(1);
  object.referrer = "evil.example.com/buy-pills";
  const std::vector<uint8_t> bytes = EncodeSummary(object);
  auto verified = VerifySummary(bytes);
  ASSERT_TRUE(verified.ok());  // stored sessions stay readable
  EXPECT_EQ(CheckTrafficSource(*verified.value()).error, Error::kOutOfRange);
  object.referrer = "news.example.com";
  object.utm_source = "\x1b]8;;http://evil\x07";
  const std::vector<uint8_t> utm = EncodeSummary(object);
  EXPECT_EQ(CheckTrafficSource(*VerifySummary(utm).value()).message,
            "utm_source: not a valid utm value");
  object.utm_source = "newsletter";
  const std::vector<uint8_t> good = EncodeSummary(object);
  EXPECT_TRUE(CheckTrafficSource(*VerifySummary(good).value()).ok());
}

TEST(JsonEscapeTest, EscapesC1AndBidiSoTerminalsShowThem) {
  std::string out;
  AppendJsonString(
      "a\xC2\x9B"
      "b\xE2\x80\xAE"
      "c\xE2\x81\xA6"
      "d\xF3\xA0\x80\x81"
      "e\xC3\xA9",
      out);
  EXPECT_EQ(out, "\"a\\u009bb\\u202ec\\u2066d\\udb40\\udc01e\xC3\xA9\"");
}

}  // namespace
}  // namespace microconv
