// Writing FlatBuffers with direct builder calls (the snapshot and the
// session's summary): an empty
// vector or string is left out, as the object API's Pack does, so the bytes
// stay as small and a reader sees it as empty (core/flatbuffer_view.h).
// Direct calls instead of the object API keep its `T` types, their
// `unique_ptr` tables and Pack code out of the visitor's Wasm module.
#ifndef MICROCONV_CORE_FLATBUFFER_WRITE_H_
#define MICROCONV_CORE_FLATBUFFER_WRITE_H_

#include <string>
#include <string_view>
#include <vector>

#include "flatbuffers/flatbuffers.h"

namespace microconv {

template <typename T>
flatbuffers::Offset<flatbuffers::Vector<T>> VectorOrNull(flatbuffers::FlatBufferBuilder& fbb,
                                                         const std::vector<T>& items) {
  return items.empty() ? 0 : fbb.CreateVector(items);
}

template <typename T>
flatbuffers::Offset<flatbuffers::Vector<const T*>> StructsOrNull(
    flatbuffers::FlatBufferBuilder& fbb, const std::vector<T>& items) {
  return items.empty() ? 0 : fbb.CreateVectorOfStructs(items);
}

inline flatbuffers::Offset<flatbuffers::String> StringOrNull(flatbuffers::FlatBufferBuilder& fbb,
                                                             std::string_view text) {
  return text.empty() ? 0 : fbb.CreateString(text);
}

inline flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>>
StringsOrNull(flatbuffers::FlatBufferBuilder& fbb, const std::vector<std::string>& texts) {
  return texts.empty() ? 0 : fbb.CreateVectorOfStrings(texts);
}

}  // namespace microconv

#endif  // MICROCONV_CORE_FLATBUFFER_WRITE_H_
