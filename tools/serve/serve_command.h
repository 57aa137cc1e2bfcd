// `microconv serve` (the collector) and `microconv host` (a static site).
#ifndef MICROCONV_TOOLS_SERVE_SERVE_COMMAND_H_
#define MICROCONV_TOOLS_SERVE_SERVE_COMMAND_H_

namespace microconv {

// argv[0] is "serve". Returns the process exit code.
int RunServe(int argc, char** argv);

// `microconv host DIR`: serves a static site folder (the demo store) on its
// own origin until SIGTERM or SIGINT (host_command.cc, site_host.h).
int RunHost(int argc, char** argv);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_SERVE_SERVE_COMMAND_H_
