// Deterministic JSON text for reports and decoded summaries: fixed layout,
// numbers printed without locale or floating-point formatting differences
// between native and Wasm builds, and strings escaped so that attacker
// controlled text (element paths, referrers, UTM values, literal page paths)
// is always valid JSON, including invalid UTF-8.
#ifndef MICROCONV_CORE_JSON_WRITER_H_
#define MICROCONV_CORE_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace microconv {

// Appends `text` as a JSON string literal. Invalid UTF-8 becomes U+FFFD (one
// per maximal invalid subsequence); control characters, DEL and U+2028/2029
// are escaped so the output is also safe inside a JavaScript string.
void AppendJsonString(std::string_view text, std::string& out);

// A pretty-printing writer with a fixed shape: objects and arrays of objects
// one entry per line (two-space indent), arrays of scalars on one line.
class JsonWriter {
 public:
  std::string Take() &&;

  // Inline containers stay on one line (small records, arrays of scalars),
  // so that a golden diff shows one changed record per line.
  void BeginObject(bool inline_items = false) { Open('{', inline_items); }
  void EndObject() { Close('}'); }
  void BeginArray(bool inline_items) { Open('[', inline_items); }
  void EndArray() { Close(']'); }

  void Key(std::string_view key);
  void String(std::string_view value);
  void Number(uint64_t value);
  // Rounded to `decimals` places, trailing zeros dropped; null if not finite.
  void Fixed(double value, int decimals);
  // Deciseconds as seconds with one decimal, in integer arithmetic so the
  // text is identical natively and in Wasm.
  void Seconds(uint64_t deciseconds);
  void Bool(bool value);
  void Null();

  void Field(std::string_view key, uint64_t value) {
    Key(key);
    Number(value);
  }
  void FieldFixed(std::string_view key, double value, int decimals) {
    Key(key);
    Fixed(value, decimals);
  }
  void FieldSeconds(std::string_view key, uint64_t deciseconds) {
    Key(key);
    Seconds(deciseconds);
  }
  void FieldBool(std::string_view key, bool value) {
    Key(key);
    Bool(value);
  }
  void FieldString(std::string_view key, std::string_view value) {
    Key(key);
    String(value);
  }

 private:
  struct Level {
    bool inline_items;
    bool empty;
  };
  void Open(char bracket, bool inline_items);
  void Close(char bracket);
  void Separate();
  void NewLine();

  std::string out_;
  std::vector<Level> levels_;
  bool after_key_ = false;
};

}  // namespace microconv

#endif  // MICROCONV_CORE_JSON_WRITER_H_
