// Segment dimensions from what the browser tells about itself. Only the
// resulting classes leave the browser; CountryOfTimeZone lives in
// core/time_zones.cc beside its table.
#include "core/dimensions.h"

#include <initializer_list>

namespace microconv {
namespace {

bool Has(std::string_view text, std::string_view token) {
  return text.find(token) != std::string_view::npos;
}

bool HasAny(std::string_view text, std::initializer_list<std::string_view> tokens) {
  for (std::string_view token : tokens) {
    if (Has(text, token)) return true;
  }
  return false;
}

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

char ToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Viewport widths where the buckets change (see dimensions.fbs).
constexpr int32_t kSmallWidth = 576;
constexpr int32_t kTabletWidth = 768;
constexpr int32_t kLargeWidth = 992;
constexpr int32_t kExtraLargeWidth = 1200;
constexpr int32_t kWideWidth = 1600;

}  // namespace

// Order matters: Chromium-based browsers also say "Chrome" and "Safari",
// and Chrome also says "Safari". The iOS variants (CriOS, FxiOS, EdgiOS,
// OPiOS) are the same browsers on Apple's engine; they count as the brand.
wire::BrowserFamily BrowserFamilyOf(std::string_view user_agent) noexcept {
  if (user_agent.empty()) return wire::BrowserFamily::Unknown;
  if (HasAny(user_agent, {"Edg/", "EdgA/", "EdgiOS/", "Edge/"})) return wire::BrowserFamily::Edge;
  if (HasAny(user_agent, {"OPR/", "OPiOS/", "Opera"})) return wire::BrowserFamily::Opera;
  if (Has(user_agent, "SamsungBrowser")) return wire::BrowserFamily::Samsung;
  if (HasAny(user_agent, {"Chrome/", "CriOS/", "Chromium/"})) return wire::BrowserFamily::Chrome;
  if (HasAny(user_agent, {"Firefox/", "FxiOS/"})) return wire::BrowserFamily::Firefox;
  if (Has(user_agent, "Safari/")) return wire::BrowserFamily::Safari;
  return wire::BrowserFamily::Other;
}

// iOS before macOS because iOS says "like Mac OS X"; Android and ChromeOS
// before Linux because Android says "Linux".
wire::OsFamily OsFamilyOf(std::string_view user_agent) noexcept {
  if (user_agent.empty()) return wire::OsFamily::Unknown;
  if (HasAny(user_agent, {"iPhone", "iPad", "iPod"})) return wire::OsFamily::IOS;
  if (Has(user_agent, "Android")) return wire::OsFamily::Android;
  if (Has(user_agent, "CrOS")) return wire::OsFamily::ChromeOS;
  if (Has(user_agent, "Windows")) return wire::OsFamily::Windows;
  if (Has(user_agent, "Mac OS X")) return wire::OsFamily::MacOS;
  if (Has(user_agent, "Linux")) return wire::OsFamily::Linux;
  return wire::OsFamily::Other;
}

// The user agent first where it is explicit; the pointer and width decide
// for the rest (iPadOS in desktop mode claims to be a Mac, for instance).
wire::DeviceClass DeviceClassOf(std::string_view user_agent, int32_t screen_width,
                                bool coarse_pointer) noexcept {
  if (Has(user_agent, "iPad")) return wire::DeviceClass::Tablet;
  if (Has(user_agent, "Android") && !Has(user_agent, "Mobile")) return wire::DeviceClass::Tablet;
  if (Has(user_agent, "Mobi")) return wire::DeviceClass::Mobile;
  if (coarse_pointer) {
    return screen_width >= kTabletWidth ? wire::DeviceClass::Tablet : wire::DeviceClass::Mobile;
  }
  if (user_agent.empty()) return wire::DeviceClass::Unknown;
  return wire::DeviceClass::Desktop;
}

wire::ScreenBucket ScreenBucketOf(int32_t screen_width) noexcept {
  if (screen_width <= 0) return wire::ScreenBucket::Unknown;
  if (screen_width < kSmallWidth) return wire::ScreenBucket::XS;
  if (screen_width < kTabletWidth) return wire::ScreenBucket::S;
  if (screen_width < kLargeWidth) return wire::ScreenBucket::M;
  if (screen_width < kExtraLargeWidth) return wire::ScreenBucket::L;
  if (screen_width < kWideWidth) return wire::ScreenBucket::XL;
  return wire::ScreenBucket::XXL;
}

// Only a two-letter primary subtag packs; three-letter ones ("fil", "gsw")
// and private or grandfathered tags ("x-...", "i-...") count as unknown.
// "_" is accepted as a separator because some systems report "en_US".
uint16_t PackLanguage(std::string_view language_tag) noexcept {
  if (language_tag.size() < 2) return 0;
  if (!IsAsciiLetter(language_tag[0]) || !IsAsciiLetter(language_tag[1])) return 0;
  if (language_tag.size() > 2 && language_tag[2] != '-' && language_tag[2] != '_') return 0;
  return static_cast<uint16_t>(ToLower(language_tag[0]) << 8 | ToLower(language_tag[1]));
}

std::string UnpackCode(uint16_t packed, bool upper) {
  const char a = static_cast<char>(packed >> 8);
  const char b = static_cast<char>(packed & 0xff);
  if (!IsAsciiLetter(a) || !IsAsciiLetter(b)) return "";
  const auto convert = [upper](char c) {
    const char lower = ToLower(c);
    return upper ? static_cast<char>(lower - 'a' + 'A') : lower;
  };
  return {convert(a), convert(b)};
}

wire::Dimensions DimensionsOf(const VisitorContext& context) noexcept {
  return wire::Dimensions(
      DeviceClassOf(context.user_agent, context.screen_width, context.coarse_pointer),
      BrowserFamilyOf(context.user_agent), OsFamilyOf(context.user_agent),
      ScreenBucketOf(context.screen_width), PackLanguage(context.language),
      CountryOfTimeZone(context.time_zone));
}

}  // namespace microconv
