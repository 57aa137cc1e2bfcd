// The CLI's offline commands (they need no running collector). Each takes
// argv with argv[0] = the command name and returns the process exit code:
// 0 success, 1 bad input (with a message on stderr), 2 usage error.
#ifndef MICROCONV_TOOLS_CLI_CLI_COMMANDS_H_
#define MICROCONV_TOOLS_CLI_CLI_COMMANDS_H_

namespace microconv {

// microconv decode FILE [--config SITE.json]: verifies a summary and prints
// its JSON rendering (names from the config when given).
int RunDecode(int argc, char** argv);

// microconv config check FILE | config compile FILE -o OUT.mcc
int RunConfig(int argc, char** argv);

// microconv simulate --endpoint URL ...: synthetic demo-store visitors sent
// over HTTP (see simulate_command.cc).
int RunSimulate(int argc, char** argv);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_CLI_CLI_COMMANDS_H_
