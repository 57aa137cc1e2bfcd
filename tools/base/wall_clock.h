// The tools' one reading of the wall clock (the core reads none: callers
// pass days and times in).
#ifndef MICROCONV_TOOLS_BASE_WALL_CLOCK_H_
#define MICROCONV_TOOLS_BASE_WALL_CLOCK_H_

#include <cstdint>

namespace microconv {

// Milliseconds since 1970-01-01 UTC.
int64_t NowMs();
// Today's UTC day number (days since 1970-01-01).
uint32_t Today();

}  // namespace microconv

#endif  // MICROCONV_TOOLS_BASE_WALL_CLOCK_H_
