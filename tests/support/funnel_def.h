// A FunnelDef built the way the config compiler builds it (object API, Pack,
// Finish, GetRoot), owning its buffer: for tests that drive FunnelTracker
// without a whole site config.
#ifndef MICROCONV_TESTS_SUPPORT_FUNNEL_DEF_H_
#define MICROCONV_TESTS_SUPPORT_FUNNEL_DEF_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "core/schema/config_generated.h"
#include "flatbuffers/flatbuffers.h"

namespace microconv {

struct FunnelStepSpec {
  std::vector<uint8_t> micros;
  bool optional = false;
  uint32_t window_ms = 0;
};

class FunnelConfig {
 public:
  FunnelConfig(wire::FunnelMode mode, const std::vector<FunnelStepSpec>& steps,
               std::vector<uint8_t> exclusions = {}, uint32_t window_ms = 0) {
    wire::FunnelDefT def;
    def.id = "test";
    def.mode = mode;
    def.window_ms = window_ms;
    def.exclusions = std::move(exclusions);
    for (const FunnelStepSpec& spec : steps) {
      auto step = std::make_unique<wire::FunnelStepDefT>();
      step->micros = spec.micros;
      step->optional = spec.optional;
      step->window_ms = spec.window_ms;
      def.steps.push_back(std::move(step));
    }
    builder_.Finish(wire::FunnelDef::Pack(builder_, &def));
  }
  const wire::FunnelDef& def() const {
    return *flatbuffers::GetRoot<wire::FunnelDef>(builder_.GetBufferPointer());
  }

 private:
  flatbuffers::FlatBufferBuilder builder_;
};

}  // namespace microconv

#endif  // MICROCONV_TESTS_SUPPORT_FUNNEL_DEF_H_
