#include "tools/cli/cli_io.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

namespace microconv {

Result<std::string> ReadInput(const std::string& path, size_t max_bytes) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return {Error::kUnavailable, "cannot open " + path + ": " + std::strerror(errno)};
    in = &file;
  }
  std::string bytes;
  char buffer[64 * 1024];
  while (in->read(buffer, sizeof buffer) || in->gcount() > 0) {
    bytes.append(buffer, static_cast<size_t>(in->gcount()));
    if (bytes.size() > max_bytes) {
      return {Error::kTooLarge, path + ": larger than " + std::to_string(max_bytes) + " bytes"};
    }
  }
  return bytes;
}

Status WriteOutput(const std::string& path, const std::string& bytes) {
  if (path == "-") {
    std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (std::cout.flush()) return {};
    return {Error::kUnavailable, "cannot write standard output"};
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())) || !out.flush()) {
    return {Error::kUnavailable, "cannot write " + path + ": " + std::strerror(errno)};
  }
  return {};
}

}  // namespace microconv
