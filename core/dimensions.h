// Segment dimensions bucketed in the browser: only these coarse classes
// leave it, never the user-agent string, the full language tag or the
// time zone itself.
#ifndef MICROCONV_CORE_DIMENSIONS_H_
#define MICROCONV_CORE_DIMENSIONS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/schema/dimensions_generated.h"

namespace microconv {

// What the tracker reads from the browser once per session.
struct VisitorContext {
  std::string_view user_agent;  // navigator.userAgent (parsed here, never sent)
  std::string_view language;    // navigator.language, e.g. "de-CH"
  std::string_view time_zone;   // Intl time zone, e.g. "Europe/Zurich"
  int32_t screen_width = 0;     // CSS px of the viewport
  bool coarse_pointer = false;  // matchMedia('(pointer: coarse)')
};

wire::BrowserFamily BrowserFamilyOf(std::string_view user_agent) noexcept;
wire::OsFamily OsFamilyOf(std::string_view user_agent) noexcept;
wire::DeviceClass DeviceClassOf(std::string_view user_agent, int32_t screen_width,
                                bool coarse_pointer) noexcept;
wire::ScreenBucket ScreenBucketOf(int32_t screen_width) noexcept;
// Two lowercase letters packed (a << 8 | b) from a BCP 47 tag; 0 if invalid.
uint16_t PackLanguage(std::string_view language_tag) noexcept;
// ISO 3166-1 alpha-2 country of an IANA time zone, packed like languages;
// 0 for unknown zones and for zones not tied to one country ("UTC").
uint16_t CountryOfTimeZone(std::string_view time_zone) noexcept;
// "de" / "CH" from a packed code; "" for 0.
std::string UnpackCode(uint16_t packed, bool upper);

wire::Dimensions DimensionsOf(const VisitorContext& context) noexcept;

}  // namespace microconv

#endif  // MICROCONV_CORE_DIMENSIONS_H_
