#include "tools/base/install_paths.h"

#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "tools/base/version.h"

namespace microconv {

std::string ExecutablePath() {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "";
  return std::string(self, static_cast<size_t>(n));
}

std::string DefaultWebDir() {
  namespace fs = std::filesystem;
  const std::string self = ExecutablePath();
  if (!self.empty()) {
    const fs::path installed =
        (fs::path(self).parent_path() / std::string(kInstalledWebFromBinary)).lexically_normal();
    std::error_code error;
    if (fs::is_directory(installed, error)) return installed.string();
  }
  return "web/dist";
}

}  // namespace microconv
