// The time-zone database the tools read for the core (core/time_zone.h):
// the system's tzdata, one TZif file per zone under /usr/share/zoneinfo
// (Debian's `tzdata` package; $TZDIR, as libc reads it, points elsewhere).
#ifndef MICROCONV_TOOLS_BASE_ZONEINFO_H_
#define MICROCONV_TOOLS_BASE_ZONEINFO_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "core/config.h"
#include "core/status.h"
#include "core/time_zone.h"

namespace microconv {

// The rules of the IANA zone `name`, read once per process and shared.
// "UTC" needs no file. kInvalidConfig naming the zone when the name is not
// one of the database's zones.
Result<std::shared_ptr<const TimeZone>> LoadTimeZone(std::string_view name);

// Attaches the rules of the config's time_zone to it (what every config the
// tools read goes through before it counts days).
Status AttachTimeZone(Config& config);

// Today's local day in the zone (days since 1970-01-01 on its calendar).
uint32_t TodayIn(const TimeZone& zone);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_BASE_ZONEINFO_H_
