// The inspect module: what only microconv('inspect') and the playground need
// (verify a summary and render it as the collector reads it), built apart
// from the visitor's module (bindings.cc) and loaded by the tracker only
// when a page asks to inspect. The same core functions as the collector's
// `decode`: trimming by build, not by a second implementation.
#include <emscripten/bind.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/summary.h"

namespace microconv {
namespace {

// The loaded config and the input buffer; free functions over them, not an
// Embind class (its machinery is most of Embind's JS runtime: see
// bindings.cc).
struct SummaryInspector {
  std::optional<Config> config;
  std::vector<uint8_t> input;
};

SummaryInspector& Inspector() {
  static auto* inspector = new SummaryInspector();  // never destroyed: lives as long as the page
  return *inspector;
}

// The address of `size` bytes (wasm32: 32 bits) for JS to fill through the
// module's HEAPU8 before LoadConfig / RenderJson.
uint32_t InputBuffer(uint32_t size) {
  std::vector<uint8_t>& input = Inspector().input;
  input.assign(size, 0);
  return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(input.data()));
}

// The compiled config in the input buffer names ids; false if it does not
// verify (the summary is then rendered with numbers).
bool LoadConfig() {
  auto config = Config::FromCompiled(Inspector().input);
  if (!config.ok()) return false;
  Inspector().config = std::move(config).value();
  return true;
}

// The decoded JSON of the summary in the input buffer, exactly as the
// collector will read it ("" if it does not verify).
std::string RenderJson() {
  const SummaryInspector& inspector = Inspector();
  const Config* config = inspector.config ? &*inspector.config : nullptr;
  auto summary = VerifySummary(inspector.input, config);
  return summary.ok() ? RenderSummaryJson(*summary.value(), config) : "";
}

EMSCRIPTEN_BINDINGS(microconv_inspect) {
  emscripten::function("inputBuffer", &InputBuffer);
  emscripten::function("loadConfig", &LoadConfig);
  emscripten::function("renderJson", &RenderJson);
}

}  // namespace
}  // namespace microconv
