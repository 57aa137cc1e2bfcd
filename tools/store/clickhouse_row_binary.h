// ClickHouse's RowBinary format (its HTTP interface, FORMAT RowBinary):
// fixed-width integers little-endian, String as a LEB128 length then the
// bytes, Array(UInt64) as a LEB128 count then the values. Binary, so summaries and aggregate blobs
// travel as they are, with no escaping and no text parsing on either side.
#ifndef MICROCONV_TOOLS_STORE_CLICKHOUSE_ROW_BINARY_H_
#define MICROCONV_TOOLS_STORE_CLICKHOUSE_ROW_BINARY_H_

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace microconv {

class RowBinaryWriter {
 public:
  template <typename T>
  requires std::is_integral_v<T>
  void Int(T value) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));  // x86-64 and arm64: little-endian
    out_.append(bytes, sizeof(T));
  }
  void String(std::span<const uint8_t> bytes) {
    Length(bytes.size());
    out_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  void String(std::string_view text) {
    Length(text.size());
    out_.append(text);
  }
  // Array(UInt64): its length, then the values.
  void UInt64Array(std::span<const uint64_t> values) {
    Length(values.size());
    for (uint64_t value : values) Int(value);
  }
  std::string& bytes() { return out_; }

 private:
  void Length(uint64_t n) {
    while (n >= 0x80) {
      out_.push_back(static_cast<char>((n & 0x7f) | 0x80));
      n >>= 7;
    }
    out_.push_back(static_cast<char>(n));
  }
  std::string out_;
};

// Reads rows of known column types; any read past the end (a truncated or
// mismatched answer) sets failed() and yields zeros, checked once per row.
class RowBinaryReader {
 public:
  explicit RowBinaryReader(std::string_view bytes) : rest_(bytes) {}
  bool done() const { return rest_.empty(); }
  bool failed() const { return failed_; }

  template <typename T>
  requires std::is_integral_v<T> T Int() {
    T value{};
    if (rest_.size() < sizeof(T)) {
      failed_ = true;
      rest_ = {};
      return value;
    }
    std::memcpy(&value, rest_.data(), sizeof(T));
    rest_.remove_prefix(sizeof(T));
    return value;
  }
  std::span<const uint8_t> Bytes() {
    const uint64_t n = Length();
    if (rest_.size() < n) {
      failed_ = true;
      rest_ = {};
      return {};
    }
    std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(rest_.data()), n);
    rest_.remove_prefix(n);
    return bytes;
  }
  // Array(UInt64), appended to `out`.
  void UInt64Array(std::vector<uint64_t>& out) {
    const uint64_t n = Length();
    if (rest_.size() / 8 < n) {
      failed_ = true;
      rest_ = {};
      return;
    }
    for (uint64_t i = 0; i < n; ++i) out.push_back(Int<uint64_t>());
  }
  std::string_view Text() {
    const auto bytes = Bytes();
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }

 private:
  // A LEB128 length (of a String's bytes or an Array's values).
  uint64_t Length() {
    uint64_t n = 0;
    for (int shift = 0;; shift += 7) {
      if (rest_.empty() || shift > 63) {
        failed_ = true;
        rest_ = {};
        return {};
      }
      const auto byte = static_cast<uint8_t>(rest_.front());
      rest_.remove_prefix(1);
      n |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) break;
    }
    return n;
  }

  std::string_view rest_;
  bool failed_ = false;
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_STORE_CLICKHOUSE_ROW_BINARY_H_
