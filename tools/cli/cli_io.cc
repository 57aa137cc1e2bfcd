#include "tools/cli/cli_io.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

namespace microconv {

std::optional<std::string> ReadInput(const std::string& path, size_t max_bytes, std::string& error) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) {
      error = "cannot open " + path + ": " + std::strerror(errno);
      return std::nullopt;
    }
    in = &file;
  }
  std::string bytes;
  char buffer[64 * 1024];
  while (in->read(buffer, sizeof buffer) || in->gcount() > 0) {
    bytes.append(buffer, static_cast<size_t>(in->gcount()));
    if (bytes.size() > max_bytes) {
      error = path + ": larger than " + std::to_string(max_bytes) + " bytes";
      return std::nullopt;
    }
  }
  return bytes;
}

bool WriteOutput(const std::string& path, const std::string& bytes, std::string& error) {
  if (path == "-") {
    std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return static_cast<bool>(std::cout.flush());
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())) || !out.flush()) {
    error = "cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace microconv
