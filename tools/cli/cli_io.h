// File reading for CLI commands: whole files, "-" for standard input, with
// a size cap so a wrong argument cannot eat the machine's memory.
#ifndef MICROCONV_TOOLS_CLI_CLI_IO_H_
#define MICROCONV_TOOLS_CLI_CLI_IO_H_

#include <cstddef>
#include <string>

#include "core/status.h"

namespace microconv {

// The file's bytes; kUnavailable when it cannot be read ("cannot open x:
// ..."), kTooLarge above `max_bytes`.
Result<std::string> ReadInput(const std::string& path, size_t max_bytes);
// kUnavailable when the bytes cannot be written.
Status WriteOutput(const std::string& path, const std::string& bytes);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_CLI_CLI_IO_H_
