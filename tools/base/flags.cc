#include "tools/base/flags.h"

#include <charconv>
#include <cstdio>

namespace microconv {
namespace {

const FlagSpec* FindSpec(std::initializer_list<FlagSpec> specs, std::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string Text(long long value) { return std::to_string(value); }
std::string Text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

template <typename T>
Result<T> ParseValue(std::string_view name, const std::string& text, T min, T max,
                     const char* what) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return {Error::kOutOfRange, std::string(name) + ": expected " + what + " in [" + Text(min) +
                                    ", " + Text(max) + "], got \"" + text + "\""};
  }
  return value;
}

}  // namespace

Result<HostPort> ParseHostPort(std::string_view flag, const std::string& text) {
  const size_t colon = text.rfind(':');
  const Result<long long> port = colon == std::string::npos
                                     ? Result<long long>(Error::kOutOfRange, "")
                                     : Flags::ParseInt(flag, text.substr(colon + 1), 0, 65535);
  if (!port.ok()) return {Error::kOutOfRange, std::string(flag) + ": expected HOST:PORT"};
  return HostPort{text.substr(0, colon), static_cast<int>(port.value())};
}

std::optional<int> StopAtFlags(const Result<Flags>& flags, std::string_view command,
                               std::string_view usage) {
  if (!flags.ok()) {
    std::fprintf(stderr, "%.*s: %s\n%.*s", static_cast<int>(command.size()), command.data(),
                 flags.message().c_str(), static_cast<int>(usage.size()), usage.data());
    return 2;
  }
  if (flags.value().help()) {
    std::fwrite(usage.data(), 1, usage.size(), stdout);
    return 0;
  }
  return std::nullopt;
}

Result<Flags> Flags::Parse(int argc, char* const* argv, std::initializer_list<FlagSpec> specs,
                           size_t max_positional) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      flags.help_ = true;
      return flags;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      if (flags.positional_.size() >= max_positional) {
        return {Error::kOutOfRange, "unexpected argument " + arg};
      }
      flags.positional_.push_back(arg);
      continue;
    }
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const FlagSpec* spec = FindSpec(specs, name);
    if (spec == nullptr) return {Error::kOutOfRange, "unknown flag " + name};
    if (!spec->takes_value) {
      if (eq != std::string::npos) return {Error::kOutOfRange, name + ": takes no value"};
      flags.values_[name] = "";
    } else if (eq != std::string::npos) {
      flags.values_[name] = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      flags.values_[name] = argv[++i];
    } else {
      return {Error::kOutOfRange, name + ": missing value"};
    }
  }
  return flags;
}

bool Flags::Has(std::string_view name) const { return values_.find(name) != values_.end(); }

std::string Flags::Get(std::string_view name, std::string fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

Result<long long> Flags::Int(std::string_view name, long long fallback, long long min,
                             long long max) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  return ParseInt(name, it->second, min, max);
}

Result<long long> Flags::ParseInt(std::string_view name, const std::string& text, long long min,
                                  long long max) {
  return ParseValue<long long>(name, text, min, max, "an integer");
}

Result<double> Flags::Number(std::string_view name, double fallback, double min, double max) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  return ParseValue<double>(name, it->second, min, max, "a number");
}

}  // namespace microconv
