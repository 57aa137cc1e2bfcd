// Errors are values in the core: every fallible call returns a Result or an
// Error, never throws, never prints, never aborts. The JS twin of ErrorName()
// (web/tracker/wire/error_name.js) is generated from this enum and the names
// in status.cc by web/generate_wire.mjs; a test fails when it drifts.
#ifndef MICROCONV_CORE_STATUS_H_
#define MICROCONV_CORE_STATUS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace microconv {

enum class Error : uint8_t {
  kOk = 0,
  kInvalidConfig,       // config JSON or compiled config breaks a rule
  kTooLarge,            // input above a size cap
  kTruncated,           // input shorter than its structure says
  kWrongIdentifier,     // FlatBuffers file identifier is not ours
  kUnsupportedVersion,  // written by a newer schema than this build knows
  kVerifyFailed,        // FlatBuffers Verifier rejected the bytes
  kOutOfRange,          // an id, enum or count outside what the config allows
  kConfigMismatch,      // summary written for another site or config
  kCorruptSnapshot,     // snapshot unreadable: start a fresh session
  kUnavailable,         // I/O or store failure (tools only): retry later
};

// A stable lowercase name ("verify_failed") for logs, HTTP reasons and JS.
const char* ErrorName(Error error) noexcept;

// A failure's human message. The browser build of the core defines
// MICROCONV_ERROR_CODES_ONLY (wasm/CMakeLists.txt): there the message
// expression is not evaluated, so neither its text nor the code that formats
// it reaches the visitor's module; the tracker reports the error's name
// (ErrorName), and the full message is what the collector and CLI say for
// the same bytes. (sizeof: the expression is still compiled, never run.)
// MICROCONV_NAME wraps a field or list name that only a message reads but
// that is passed to a helper building it: "" in that build, so the literal
// does not reach the visitor's module either (~600 B of names).
#ifdef MICROCONV_ERROR_CODES_ONLY
#define MICROCONV_MESSAGE(...) (static_cast<void>(sizeof((__VA_ARGS__))), std::string())
#define MICROCONV_NAME(literal) ""
#else
#define MICROCONV_MESSAGE(...) (__VA_ARGS__)
#define MICROCONV_NAME(literal) literal
#endif

// The outcome of a fallible call: a value, or an error with a human message
// (for config errors the message starts with the field path).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error, std::string message) : error_(error), message_(std::move(message)) {}

  bool ok() const noexcept { return error_ == Error::kOk; }
  Error error() const noexcept { return error_; }
  const std::string& message() const noexcept { return message_; }
  // Only valid when ok().
  const T& value() const& noexcept { return *value_; }
  T& value() & noexcept { return *value_; }
  T&& value() && noexcept { return std::move(*value_); }

 private:
  std::optional<T> value_;  // optional: T need not be default-constructible
  Error error_ = Error::kOk;
  std::string message_;
};

// For calls that produce no value.
struct Status {
  Error error = Error::kOk;
  std::string message;
  bool ok() const noexcept { return error == Error::kOk; }
};

}  // namespace microconv

#endif  // MICROCONV_CORE_STATUS_H_
