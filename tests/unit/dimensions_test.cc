// Segment dimensions: user-agent families, device class, screen buckets,
// language tags and time zone -> country.
#include "core/dimensions.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace microconv {
namespace {

using wire::BrowserFamily;
using wire::DeviceClass;
using wire::OsFamily;
using wire::ScreenBucket;

constexpr uint16_t Packed(const char code[3]) {
  return static_cast<uint16_t>(code[0] << 8 | code[1]);
}

struct UserAgentCase {
  const char* name;
  const char* user_agent;
  BrowserFamily browser;
  OsFamily os;
  DeviceClass device;  // with a fine pointer and a 1280 px viewport
};

const UserAgentCase kUserAgents[] = {
    {"Chrome on Windows",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36",
     BrowserFamily::Chrome, OsFamily::Windows, DeviceClass::Desktop},
    {"Chrome on macOS",
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36",
     BrowserFamily::Chrome, OsFamily::MacOS, DeviceClass::Desktop},
    {"Chrome on Linux",
     "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36",
     BrowserFamily::Chrome, OsFamily::Linux, DeviceClass::Desktop},
    {"Chrome on ChromeOS",
     "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36",
     BrowserFamily::Chrome, OsFamily::ChromeOS, DeviceClass::Desktop},
    {"Chrome on an Android phone",
     "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Mobile Safari/537.36",
     BrowserFamily::Chrome, OsFamily::Android, DeviceClass::Mobile},
    {"Chrome on an Android tablet",
     "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36",
     BrowserFamily::Chrome, OsFamily::Android, DeviceClass::Tablet},
    {"Chrome on iOS (CriOS)",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
     BrowserFamily::Chrome, OsFamily::IOS, DeviceClass::Mobile},
    {"Firefox on iOS (FxiOS)",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15",
     BrowserFamily::Firefox, OsFamily::IOS, DeviceClass::Mobile},
    {"Edge on iOS (EdgiOS)",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) EdgiOS/124.2478.50 Version/17.0 Mobile/15E148 Safari/604.1",
     BrowserFamily::Edge, OsFamily::IOS, DeviceClass::Mobile},
    {"Firefox on Windows",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
     BrowserFamily::Firefox, OsFamily::Windows, DeviceClass::Desktop},
    {"Firefox on Linux",
     "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
     BrowserFamily::Firefox, OsFamily::Linux, DeviceClass::Desktop},
    {"Firefox on an Android phone",
     "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0", BrowserFamily::Firefox,
     OsFamily::Android, DeviceClass::Mobile},
    {"Firefox on an Android tablet",
     "Mozilla/5.0 (Android 14; Tablet; rv:125.0) Gecko/125.0 Firefox/125.0", BrowserFamily::Firefox,
     OsFamily::Android, DeviceClass::Tablet},
    {"Safari on macOS",
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.4 Safari/605.1.15",
     BrowserFamily::Safari, OsFamily::MacOS, DeviceClass::Desktop},
    {"Safari on iPhone",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
     BrowserFamily::Safari, OsFamily::IOS, DeviceClass::Mobile},
    {"Safari on iPad",
     "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/16.6 Mobile/15E148 Safari/604.1",
     BrowserFamily::Safari, OsFamily::IOS, DeviceClass::Tablet},
    {"Safari on iPod",
     "Mozilla/5.0 (iPod touch; CPU iPhone OS 15_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
     "like Gecko) Version/15.0 Mobile/15E148 Safari/604.1",
     BrowserFamily::Safari, OsFamily::IOS, DeviceClass::Mobile},
    {"Edge on Windows",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
     BrowserFamily::Edge, OsFamily::Windows, DeviceClass::Desktop},
    {"Edge on Android (EdgA)",
     "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Mobile Safari/537.36 EdgA/124.0.2478.64",
     BrowserFamily::Edge, OsFamily::Android, DeviceClass::Mobile},
    {"legacy Edge",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/70.0.3538.102 Safari/537.36 Edge/18.19582",
     BrowserFamily::Edge, OsFamily::Windows, DeviceClass::Desktop},
    {"Opera on Windows",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0",
     BrowserFamily::Opera, OsFamily::Windows, DeviceClass::Desktop},
    {"Opera on Android",
     "Mozilla/5.0 (Linux; Android 10; VOG-L29) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Mobile Safari/537.36 OPR/81.1.4292.78446",
     BrowserFamily::Opera, OsFamily::Android, DeviceClass::Mobile},
    {"Samsung Internet",
     "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
     BrowserFamily::Samsung, OsFamily::Android, DeviceClass::Mobile},
    {"Android WebView",
     "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36 "
     "(KHTML, like Gecko) Version/4.0 Chrome/124.0.0.0 Mobile Safari/537.36",
     BrowserFamily::Chrome, OsFamily::Android, DeviceClass::Mobile},
    {"iPadOS asking for the desktop site",
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.4 Safari/605.1.15",
     BrowserFamily::Safari, OsFamily::MacOS, DeviceClass::Desktop},
    {"a crawler", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
     BrowserFamily::Other, OsFamily::Other, DeviceClass::Desktop},
    {"curl on FreeBSD", "curl/8.7.1 (FreeBSD)", BrowserFamily::Other, OsFamily::Other,
     DeviceClass::Desktop},
};

TEST(DimensionsTest, ParsesUserAgents) {
  for (const UserAgentCase& c : kUserAgents) {
    EXPECT_EQ(BrowserFamilyOf(c.user_agent), c.browser) << c.name;
    EXPECT_EQ(OsFamilyOf(c.user_agent), c.os) << c.name;
    EXPECT_EQ(DeviceClassOf(c.user_agent, 1280, false), c.device) << c.name;
  }
}

TEST(DimensionsTest, EmptyUserAgentIsUnknown) {
  EXPECT_EQ(BrowserFamilyOf(""), BrowserFamily::Unknown);
  EXPECT_EQ(OsFamilyOf(""), OsFamily::Unknown);
  EXPECT_EQ(DeviceClassOf("", 1280, false), DeviceClass::Unknown);
  // The pointer still tells a touch device apart.
  EXPECT_EQ(DeviceClassOf("", 390, true), DeviceClass::Mobile);
}

TEST(DimensionsTest, CoarsePointerDecidesWhenTheUserAgentDoesNot) {
  const char* mac =
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
      "Version/17.4 Safari/605.1.15";
  EXPECT_EQ(DeviceClassOf(mac, 1024, true), DeviceClass::Tablet);  // iPadOS desktop mode
  EXPECT_EQ(DeviceClassOf(mac, 768, true), DeviceClass::Tablet);
  EXPECT_EQ(DeviceClassOf(mac, 767, true), DeviceClass::Mobile);
  EXPECT_EQ(DeviceClassOf(mac, 0, true), DeviceClass::Mobile);
  EXPECT_EQ(DeviceClassOf(mac, 1024, false), DeviceClass::Desktop);
  // The user agent wins where it is explicit.
  const char* iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148";
  EXPECT_EQ(DeviceClassOf(iphone, 1024, true), DeviceClass::Mobile);
  const char* ipad = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) Mobile/15E148";
  EXPECT_EQ(DeviceClassOf(ipad, 500, true), DeviceClass::Tablet);
}

TEST(DimensionsTest, BucketsScreenWidths) {
  const std::pair<int32_t, ScreenBucket> cases[] = {
      {std::numeric_limits<int32_t>::min(), ScreenBucket::Unknown},
      {-1, ScreenBucket::Unknown},
      {0, ScreenBucket::Unknown},
      {1, ScreenBucket::XS},
      {575, ScreenBucket::XS},
      {576, ScreenBucket::S},
      {767, ScreenBucket::S},
      {768, ScreenBucket::M},
      {991, ScreenBucket::M},
      {992, ScreenBucket::L},
      {1199, ScreenBucket::L},
      {1200, ScreenBucket::XL},
      {1599, ScreenBucket::XL},
      {1600, ScreenBucket::XXL},
      {std::numeric_limits<int32_t>::max(), ScreenBucket::XXL},
  };
  for (const auto& [width, bucket] : cases) EXPECT_EQ(ScreenBucketOf(width), bucket) << width;
}

TEST(DimensionsTest, PacksPrimaryLanguage) {
  EXPECT_EQ(PackLanguage("de-CH"), Packed("de"));
  EXPECT_EQ(PackLanguage("EN_us"), Packed("en"));
  EXPECT_EQ(PackLanguage("en"), Packed("en"));
  EXPECT_EQ(PackLanguage("FR"), Packed("fr"));
  EXPECT_EQ(PackLanguage("zh-Hant-TW"), Packed("zh"));
  EXPECT_EQ(PackLanguage("pt-BR"), Packed("pt"));
  for (const char* bad : {"", "x", "123", "1a", "a1", "fil", "gsw-CH", "x-klingon", "i-klingon",
                          "en US", "-de", "\xc3\xa9n"}) {
    EXPECT_EQ(PackLanguage(bad), 0) << bad;
  }
  // Only "-" and "_" end the primary subtag.
  EXPECT_EQ(PackLanguage(std::string_view("de\0", 3)), 0);
}

TEST(DimensionsTest, UnpacksCodes) {
  EXPECT_EQ(UnpackCode(0, false), "");
  EXPECT_EQ(UnpackCode(0, true), "");
  EXPECT_EQ(UnpackCode(Packed("de"), false), "de");
  EXPECT_EQ(UnpackCode(Packed("ch"), true), "CH");
  EXPECT_EQ(UnpackCode(0x0102, false), "");
  EXPECT_EQ(UnpackCode(Packed("d1"), false), "");
  EXPECT_EQ(UnpackCode(PackLanguage("EN_us"), true), "EN");
}

TEST(DimensionsTest, MapsTimeZonesToCountries) {
  const std::pair<const char*, const char*> cases[] = {
      {"Europe/Zurich", "ch"},
      {"Europe/Berlin", "de"},
      {"Europe/Busingen", "de"},
      {"Europe/Vaduz", "li"},
      {"Europe/London", "gb"},
      {"Europe/Paris", "fr"},
      {"Europe/Madrid", "es"},
      {"Atlantic/Canary", "es"},
      {"Europe/Rome", "it"},
      {"Europe/Vatican", "va"},
      {"Europe/Amsterdam", "nl"},
      {"Europe/Warsaw", "pl"},
      {"Europe/Kyiv", "ua"},
      {"Europe/Kiev", "ua"},
      {"Europe/Moscow", "ru"},
      {"Asia/Vladivostok", "ru"},
      {"Europe/Istanbul", "tr"},
      {"Asia/Istanbul", "tr"},
      {"America/New_York", "us"},
      {"America/Los_Angeles", "us"},
      {"America/Chicago", "us"},
      {"America/Denver", "us"},
      {"America/Phoenix", "us"},
      {"America/Anchorage", "us"},
      {"Pacific/Honolulu", "us"},
      {"America/Indiana/Indianapolis", "us"},
      {"America/Kentucky/Louisville", "us"},
      {"America/Toronto", "ca"},
      {"America/Vancouver", "ca"},
      {"America/Mexico_City", "mx"},
      {"America/Sao_Paulo", "br"},
      {"America/Argentina/Buenos_Aires", "ar"},
      {"America/Bogota", "co"},
      {"America/Lima", "pe"},
      {"America/Santiago", "cl"},
      {"Asia/Kolkata", "in"},
      {"Asia/Calcutta", "in"},
      {"Asia/Shanghai", "cn"},
      {"Asia/Hong_Kong", "hk"},
      {"Asia/Taipei", "tw"},
      {"Asia/Tokyo", "jp"},
      {"Asia/Seoul", "kr"},
      {"Asia/Jakarta", "id"},
      {"Asia/Manila", "ph"},
      {"Asia/Ho_Chi_Minh", "vn"},
      {"Asia/Saigon", "vn"},
      {"Asia/Bangkok", "th"},
      {"Asia/Karachi", "pk"},
      {"Asia/Dhaka", "bd"},
      {"Asia/Tehran", "ir"},
      {"Asia/Dubai", "ae"},
      {"Asia/Riyadh", "sa"},
      {"Asia/Singapore", "sg"},
      {"Africa/Lagos", "ng"},
      {"Africa/Cairo", "eg"},
      {"Africa/Johannesburg", "za"},
      {"Africa/Nairobi", "ke"},
      {"Africa/Addis_Ababa", "et"},
      {"Africa/Kinshasa", "cd"},
      {"Australia/Sydney", "au"},
      {"Australia/Perth", "au"},
      {"Pacific/Auckland", "nz"},
      {"Atlantic/Reykjavik", "is"},
      {"America/Coral_Harbour", "ca"},
      // CLDR's canonical ids that IANA made links: ICU-based browsers return
      // these for the zone ("Asia/Kolkata" comes back as "Asia/Calcutta").
      {"Asia/Katmandu", "np"},
      {"Asia/Rangoon", "mm"},
      {"Atlantic/Faeroe", "fo"},
      {"America/Godthab", "gl"},
      {"America/Buenos_Aires", "ar"},
      {"America/Indianapolis", "us"},
      {"America/Louisville", "us"},
      {"Pacific/Enderbury", "ki"},
      {"Pacific/Truk", "fm"},
      {"Africa/Asmera", "er"},
      {"Atlantic/Jan_Mayen", "sj"},
  };
  for (const auto& [zone, country] : cases) {
    EXPECT_EQ(CountryOfTimeZone(zone), Packed(country)) << zone;
  }
}

TEST(DimensionsTest, ZonesOfNoCountryAreUnknown) {
  for (const char* zone : {"", "UTC", "Etc/UTC", "Etc/GMT", "Etc/GMT+5", "GMT", "Zulu", "Factory",
                           "Mars/Olympus_Mons", "europe/zurich", "Europe/Zurich ", "Europe/Zur",
                           "Europe/Zurichx", "Europe", "/", "Africa/Abidjan/x", "\xff\xfe"}) {
    EXPECT_EQ(CountryOfTimeZone(zone), 0) << zone;
  }
  // The first and last entries of the table are found (the scan's ends).
  EXPECT_EQ(CountryOfTimeZone("Africa/Abidjan"), Packed("ci"));
  EXPECT_EQ(CountryOfTimeZone("Pacific/Yap"), Packed("fm"));
  // An area alone, or a zone's name in another area, is no zone.
  for (const char* zone : {"Africa/", "America/Argentina/", "Salta", "America/Salta",
                           "Argentina/Salta", "Pacific/Abidjan"}) {
    EXPECT_EQ(CountryOfTimeZone(zone), 0) << zone;
  }
}

// Aliases outside the areas of zone.tab are not in the table: browsers
// return the canonical id for them ("US/Eastern" as "America/New_York"),
// which tools/gen_time_zones.mjs checks against node's ICU.
TEST(DimensionsTest, CountryStyleAliasesAreNotBrowserZones) {
  for (const char* zone :
       {"US/Eastern", "US/Pacific", "Canada/Eastern", "GB", "Japan", "Iceland", "W-SU", "Poland"}) {
    EXPECT_EQ(CountryOfTimeZone(zone), 0) << zone;
  }
}

TEST(DimensionsTest, BuildsDimensionsFromTheVisitorContext) {
  VisitorContext context;
  context.user_agent =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0.0.0 Safari/537.36";
  context.language = "de-CH";
  context.time_zone = "Europe/Zurich";
  context.screen_width = 1440;
  const wire::Dimensions dims = DimensionsOf(context);
  EXPECT_EQ(dims.device(), DeviceClass::Desktop);
  EXPECT_EQ(dims.browser(), BrowserFamily::Chrome);
  EXPECT_EQ(dims.os(), OsFamily::Windows);
  EXPECT_EQ(dims.screen(), ScreenBucket::XL);
  EXPECT_EQ(UnpackCode(dims.language(), false), "de");
  EXPECT_EQ(UnpackCode(dims.country(), true), "CH");

  const wire::Dimensions unknown = DimensionsOf(VisitorContext{});
  EXPECT_EQ(unknown.device(), DeviceClass::Unknown);
  EXPECT_EQ(unknown.browser(), BrowserFamily::Unknown);
  EXPECT_EQ(unknown.os(), OsFamily::Unknown);
  EXPECT_EQ(unknown.screen(), ScreenBucket::Unknown);
  EXPECT_EQ(unknown.language(), 0);
  EXPECT_EQ(unknown.country(), 0);
}

}  // namespace
}  // namespace microconv
