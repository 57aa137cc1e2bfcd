#include "tools/base/load_average.h"

#include <fstream>

namespace microconv {

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  if (!(in >> one >> five >> fifteen)) return {};
  return one + " " + five + " " + fifteen;
}

}  // namespace microconv
