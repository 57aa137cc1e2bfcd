// Null-safe views of FlatBuffers fields: an absent string or vector reads as
// empty, so callers never test for nullptr before reading.
#ifndef MICROCONV_CORE_FLATBUFFER_VIEW_H_
#define MICROCONV_CORE_FLATBUFFER_VIEW_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "flatbuffers/flatbuffers.h"

namespace microconv {

inline std::string_view View(const flatbuffers::String* text) noexcept {
  return text == nullptr ? std::string_view() : std::string_view(text->c_str(), text->size());
}

template <typename T>
size_t SizeOf(const flatbuffers::Vector<T>* vector) noexcept {
  return vector == nullptr ? 0 : vector->size();
}

inline std::span<const uint8_t> BytesOf(const flatbuffers::Vector<uint8_t>* vector) noexcept {
  if (vector == nullptr) return {};
  return {vector->data(), vector->size()};
}

// A vector of structs: they lie inline, one after another, in the buffer.
template <typename T>
std::span<const T> StructsOf(const flatbuffers::Vector<const T*>* vector) noexcept {
  if (vector == nullptr) return {};
  return {reinterpret_cast<const T*>(vector->Data()), vector->size()};
}

}  // namespace microconv

#endif  // MICROCONV_CORE_FLATBUFFER_VIEW_H_
