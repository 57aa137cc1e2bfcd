// File reading for CLI commands: whole files, "-" for standard input, with
// a size cap so a wrong argument cannot eat the machine's memory.
#ifndef MICROCONV_TOOLS_CLI_CLI_IO_H_
#define MICROCONV_TOOLS_CLI_CLI_IO_H_

#include <cstddef>
#include <optional>
#include <string>

namespace microconv {

// The file's bytes, or nullopt with `error` set ("cannot open x: ...").
std::optional<std::string> ReadInput(const std::string& path, size_t max_bytes, std::string& error);
bool WriteOutput(const std::string& path, const std::string& bytes, std::string& error);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_CLI_CLI_IO_H_
