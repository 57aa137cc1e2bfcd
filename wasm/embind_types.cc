// Embind's built-in types, only those the browser modules' bindings use.
// `--bind` links libembind whole, whose start-up registers every built-in
// type (17 memory views, int64, wide strings: ~900 B of type names in the
// module's data) and whose __getTypeName pulls musl's printf in (no RTTI:
// it formats the type's address). The browser modules link Embind's JS
// runtime alone (wasm/CMakeLists.txt) with this file as its native half:
// .wasm -431 B, glue -32 B brotli. A binding that used a type missing here
// fails loudly at start-up or on its first call (BindingError: unknown
// type), in every browser test that loads the module.
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" {

// The glue names an unbound type with this (and frees it); without RTTI
// there is no name to give, only that one is missing.
EMSCRIPTEN_KEEPALIVE const char* __getTypeName(const std::type_info*) {
  char* name = static_cast<char*>(malloc(2));
  name[0] = '?';
  name[1] = '\0';
  return name;
}

// At start-up, as libembind's: Embind holds a binding's registration until
// its types are registered, so the order of constructors does not matter.
__attribute__((constructor)) void RegisterBuiltinTypes() {
  using namespace emscripten::internal;
  _embind_register_void(TypeID<void>::get(), "void");
  _embind_register_bool(TypeID<bool>::get(), "bool", sizeof(bool), true, false);
  _embind_register_integer(TypeID<int>::get(), "int", sizeof(int), INT32_MIN, INT32_MAX);
  _embind_register_integer(TypeID<unsigned>::get(), "unsigned", sizeof(unsigned), 0, UINT32_MAX);
  _embind_register_float(TypeID<double>::get(), "double", sizeof(double));
  _embind_register_std_string(TypeID<std::string>::get(), "std::string");
}

}  // extern "C"
