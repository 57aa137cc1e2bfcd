// Text the CLI writes for a person to read: page paths, referrers, UTM
// values, labels and element names come from visitors' browsers (or from
// whoever posts summaries), so they are made harmless at the last step.
// The rules are written once in README.md ("Output safety"); CSV cells are
// made safe by CsvCell (core/report_csv.h).
#ifndef MICROCONV_TOOLS_CLI_TERMINAL_TEXT_H_
#define MICROCONV_TOOLS_CLI_TERMINAL_TEXT_H_

#include <string>
#include <string_view>

namespace microconv {

// `text` safe to print on a terminal: C0 and C1 controls, DEL, invisible
// and bidi characters (core/unicode_text.h) and bytes of malformed UTF-8
// are written as visible escapes (\x1b, \u202e, \xff), and a backslash as
// "\\", so what is shown is what is stored and nothing is interpreted.
std::string TerminalText(std::string_view text);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_CLI_TERMINAL_TEXT_H_
