// Runs a `microconv` command line for the deploy/backup/retention tests:
// its exit code and what it wrote, through files in a scratch directory.
#ifndef MICROCONV_TESTS_INTEGRATION_COMMAND_RUN_H_
#define MICROCONV_TESTS_INTEGRATION_COMMAND_RUN_H_

#include <string>
#include <vector>

namespace microconv::testing {

struct CommandRun {
  int exit_code = -1;
  std::string out, err;
};

// `binary args...` with stdout and stderr captured in `scratch_dir`.
CommandRun RunCommand(const std::string& binary, const std::vector<std::string>& args,
                      const std::string& scratch_dir);

// The file's bytes ("" when it cannot be read).
std::string ReadFileText(const std::string& path);

// A fresh directory under /tmp, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace microconv::testing

#endif  // MICROCONV_TESTS_INTEGRATION_COMMAND_RUN_H_
