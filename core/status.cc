#include "core/status.h"

namespace microconv {

const char* ErrorName(Error error) noexcept {
  switch (error) {
    case Error::kOk:
      return "ok";
    case Error::kInvalidConfig:
      return "invalid_config";
    case Error::kTooLarge:
      return "too_large";
    case Error::kTruncated:
      return "truncated";
    case Error::kWrongIdentifier:
      return "wrong_identifier";
    case Error::kUnsupportedVersion:
      return "unsupported_version";
    case Error::kVerifyFailed:
      return "verify_failed";
    case Error::kOutOfRange:
      return "out_of_range";
    case Error::kConfigMismatch:
      return "config_mismatch";
    case Error::kCorruptSnapshot:
      return "corrupt_snapshot";
    case Error::kUnavailable:
      return "unavailable";
  }
  return "unknown";
}

}  // namespace microconv
