// The machine's load average, printed beside every benchmark figure: on a
// shared machine a figure means little without it.
#ifndef MICROCONV_TOOLS_BASE_LOAD_AVERAGE_H_
#define MICROCONV_TOOLS_BASE_LOAD_AVERAGE_H_

#include <string>

namespace microconv {

// "1-min 5-min 15-min" as /proc/loadavg has them; empty where it is absent.
std::string LoadAverage();

}  // namespace microconv

#endif  // MICROCONV_TOOLS_BASE_LOAD_AVERAGE_H_
