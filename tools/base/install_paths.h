// Where the binary finds what `cmake --install` put next to it, so an
// installed collector needs no --web.
#ifndef MICROCONV_TOOLS_BASE_INSTALL_PATHS_H_
#define MICROCONV_TOOLS_BASE_INSTALL_PATHS_H_

#include <string>

namespace microconv {

// The running executable's path (/proc/self/exe), or "" when unknown.
std::string ExecutablePath();

// The web assets directory when --web is not given, first that exists:
// 1. ../share/microconv/web next to the executable (an installed prefix),
// 2. web/dist, relative to the working directory (the source tree).
// The second is returned even when missing: the collector then says so.
std::string DefaultWebDir();

}  // namespace microconv

#endif  // MICROCONV_TOOLS_BASE_INSTALL_PATHS_H_
