// The CLI's one progress bar: a line on stderr redrawn in place, used by the
// commands that run for long (simulate, reindex).
#ifndef MICROCONV_TOOLS_CLI_PROGRESS_BAR_H_
#define MICROCONV_TOOLS_CLI_PROGRESS_BAR_H_

#include <cstddef>
#include <string_view>

namespace microconv {

// "[#####-----] done/total unit, extra": ends the line when `finished`.
void DrawProgressBar(size_t done, size_t total, std::string_view unit, std::string_view extra,
                     bool finished);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_CLI_PROGRESS_BAR_H_
