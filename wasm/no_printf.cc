// Keeps musl's printf machinery (~1.4 KB gzip of the module) out of the
// browser modules. Its one caller there is Embind's no-RTTI __getTypeName,
// which formats a type's address ("%p") for the message of an unbound type:
// an error our fixed bindings cannot raise, and the export stays because
// libembind marks it EMSCRIPTEN_KEEPALIVE. The linker takes these
// definitions instead of musl's sprintf.o (sprintf and the two names LTO may
// rewrite its calls to), so that message says only that a type is unbound.
// Linked into the browser modules alone; the core never formats with printf
// (its numbers go through std::to_string / to_chars).
#include <cstddef>

namespace {

int Unbound(char* out) {
  constexpr char kUnbound[] = "(unbound type)";
  for (size_t i = 0; i < sizeof(kUnbound); ++i) out[i] = kUnbound[i];
  return static_cast<int>(sizeof(kUnbound) - 1);
}

}  // namespace

extern "C" {
int sprintf(char* __restrict out, const char* __restrict, ...) { return Unbound(out); }
int siprintf(char* __restrict out, const char* __restrict, ...) { return Unbound(out); }
int __small_sprintf(char* __restrict out, const char* __restrict, ...) { return Unbound(out); }
}
