// Text the CLI writes for a person to read: page paths, referrers, UTM
// values, labels and element names come from visitors' browsers (or from
// whoever posts summaries), so they are made harmless at the last step.
// The rules are written once in README.md ("Output safety"); the
// dashboard's twin of CsvCell is csvCell in web/dashboard/csv.js.
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

// One CSV text cell: a cell starting with '=', '+', '-', '@', tab or CR
// gets a leading apostrophe (spreadsheets would run it as a formula), then
// RFC 4180 quoting when it holds a quote, comma, CR or LF, or starts or
// ends with white space. Numbers the CLI formats itself are not cells of
// this kind.
std::string CsvCell(std::string_view text);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_CLI_TERMINAL_TEXT_H_
