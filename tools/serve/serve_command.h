// `microconv serve`: runs the collector until SIGTERM or SIGINT.
#ifndef MICROCONV_TOOLS_SERVE_SERVE_COMMAND_H_
#define MICROCONV_TOOLS_SERVE_SERVE_COMMAND_H_

namespace microconv {

// argv[0] is "serve". Returns the process exit code.
int RunServe(int argc, char** argv);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_SERVE_SERVE_COMMAND_H_
