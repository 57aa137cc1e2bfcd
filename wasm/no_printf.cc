// Keeps musl's printf machinery (~1.4 KB gzip of the module) out of the
// browser modules. Its one caller there is Embind's no-RTTI __getTypeName,
// which formats a type's address ("%p") for the message of an unbound type:
// an error our fixed bindings cannot raise, and the export stays because
// libembind marks it EMSCRIPTEN_KEEPALIVE. The linker takes this definition
// instead of musl's, so the message says only that a type is unbound. Linked
// into the browser modules alone; the core never formats with printf (its
// numbers go through std::to_string / to_chars).
#include <cstddef>

extern "C" int sprintf(char* __restrict out, const char* __restrict, ...) {
  constexpr char kUnbound[] = "(unbound type)";
  for (size_t i = 0; i < sizeof(kUnbound); ++i) out[i] = kUnbound[i];
  return static_cast<int>(sizeof(kUnbound) - 1);
}
