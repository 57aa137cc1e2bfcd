#include "command_run.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace microconv::testing {
namespace {

// Single quotes keep every argument literal for the shell.
std::string Quote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

CommandRun RunCommand(const std::string& binary, const std::vector<std::string>& args,
                      const std::string& scratch_dir) {
  std::string command = Quote(binary);
  for (const std::string& arg : args) command += " " + Quote(arg);
  const std::string out = scratch_dir + "/command.out", err = scratch_dir + "/command.err";
  command += " </dev/null >" + Quote(out) + " 2>" + Quote(err);
  const int raw = std::system(command.c_str());
  CommandRun run;
  run.exit_code = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.out = ReadFileText(out);
  run.err = ReadFileText(err);
  return run;
}

TempDir::TempDir() {
  char templ[] = "/tmp/microconv_ops_XXXXXX";
  const char* made = mkdtemp(templ);
  path_ = made ? made : "";
}

TempDir::~TempDir() {
  std::error_code error;
  if (!path_.empty()) std::filesystem::remove_all(path_, error);
}

}  // namespace microconv::testing
