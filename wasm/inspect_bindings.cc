// The inspect module: what only microconv('inspect') and the playground need
// (verify a summary and render it as the collector reads it), built apart
// from the visitor's module (bindings.cc) and loaded by the tracker only
// when a page asks to inspect. The same core functions as the collector's
// `decode`: trimming by build, not by a second implementation.
#include <emscripten/bind.h>

#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/summary.h"

namespace microconv {
namespace {

using emscripten::typed_memory_view;
using emscripten::val;

class SummaryInspector {
 public:
  // A view of `size` bytes for JS to fill before LoadConfig / RenderJson.
  val InputBuffer(uint32_t size) {
    input_.assign(size, 0);
    return val(typed_memory_view(input_.size(), input_.data()));
  }

  // The compiled config in the input buffer names ids; false if it does not
  // verify (the summary is then rendered with numbers).
  bool LoadConfig() {
    auto config = Config::FromCompiled(input_);
    if (!config.ok()) return false;
    config_ = std::move(config).value();
    return true;
  }

  // The decoded JSON of the summary in the input buffer, exactly as the
  // collector will read it ("" if it does not verify).
  std::string RenderJson() const {
    const Config* config = config_ ? &*config_ : nullptr;
    auto summary = VerifySummary(input_, config);
    return summary.ok() ? RenderSummaryJson(*summary.value(), config) : "";
  }

 private:
  std::optional<Config> config_;
  std::vector<uint8_t> input_;
};

EMSCRIPTEN_BINDINGS(microconv_inspect) {
  emscripten::class_<SummaryInspector>("SummaryInspector")
      .constructor<>()
      .function("inputBuffer", &SummaryInspector::InputBuffer)
      .function("loadConfig", &SummaryInspector::LoadConfig)
      .function("renderJson", &SummaryInspector::RenderJson);
}

}  // namespace
}  // namespace microconv
