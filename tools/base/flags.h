// The one command-line parser of the microconv commands: "--name value" and
// "--name=value", switches without a value, positional arguments in order,
// and "-h"/"--help". Errors are values naming the flag.
#ifndef MICROCONV_TOOLS_BASE_FLAGS_H_
#define MICROCONV_TOOLS_BASE_FLAGS_H_

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace microconv {

struct FlagSpec {
  std::string_view name;    // with its dashes: "--store", "-o"
  bool takes_value = true;  // false: a switch ("--final-only")
};

class Flags;

struct HostPort {
  std::string host;
  int port = 0;
};

// "HOST:PORT" (the last colon splits; port 0-65535), or kOutOfRange naming
// `flag` ("--listen: expected HOST:PORT").
Result<HostPort> ParseHostPort(std::string_view flag, const std::string& text);

// Where a command stops at its flags: 2 after "COMMAND: message" and the
// usage on stderr for a parse error, 0 after the usage on stdout for --help;
// nullopt to go on.
std::optional<int> StopAtFlags(const Result<Flags>& flags, std::string_view command,
                               std::string_view usage);

class Flags {
 public:
  // Parses argv[1..argc) (argv[0] is the command). kOutOfRange for an
  // unknown flag, a missing value, a value given to a switch, or more than
  // `max_positional` positional arguments. A repeated flag: the last wins.
  static Result<Flags> Parse(int argc, char* const* argv, std::initializer_list<FlagSpec> specs,
                             size_t max_positional = 0);

  // "-h" or "--help" was given (nothing else is checked then).
  bool help() const noexcept { return help_; }
  bool Has(std::string_view name) const;
  // The flag's value, or `fallback` when it was not given.
  std::string Get(std::string_view name, std::string fallback = "") const;
  // The flag's value as an integer / a number in [min, max], or `fallback`
  // when it was not given; kOutOfRange naming the flag otherwise.
  Result<long long> Int(std::string_view name, long long fallback, long long min,
                        long long max) const;
  Result<double> Number(std::string_view name, double fallback, double min, double max) const;
  const std::vector<std::string>& positional() const noexcept { return positional_; }

  // `text` as a whole integer in [min, max]; kOutOfRange naming `name`
  // otherwise. For values inside a flag ("HOST:PORT").
  static Result<long long> ParseInt(std::string_view name, const std::string& text, long long min,
                                    long long max);

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_BASE_FLAGS_H_
