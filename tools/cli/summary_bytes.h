// What `microconv decode` reads: a summary's bytes as a file holds them,
// or as hex the way people copy it: the playground's dump (offset, 16
// bytes in two groups of 8, the printable characters), the tracker's
// inspect({bytes: true}).hex (one run of digits), or any hex with spaces,
// line breaks, commas and "0x" prefixes.
#ifndef MICROCONV_TOOLS_CLI_SUMMARY_BYTES_H_
#define MICROCONV_TOOLS_CLI_SUMMARY_BYTES_H_

#include <string>
#include <string_view>

#include "core/status.h"

namespace microconv {

// True when `input` is text (no control bytes but tab, CR and LF), so hex
// rather than summary bytes. A summary never is: it starts with a 4-byte
// little-endian root offset far below 2^24, so its fourth byte is 0.
bool LooksLikeHex(std::string_view input);

// The bytes of hex text; kOutOfRange naming the line for a stray character,
// an odd digit count, or a dump line whose offset does not follow on.
Result<std::string> BytesOfHex(std::string_view text);

// `input` as bytes: decoded when it looks like hex, as it is otherwise.
Result<std::string> SummaryBytesOf(std::string input);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_CLI_SUMMARY_BYTES_H_
