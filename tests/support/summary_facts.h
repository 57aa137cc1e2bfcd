// Summary fixtures: wire::SessionFacts is a FlatBuffers struct without
// setters, so tests fill this copy of its fields by name and pack it whole.
// Header-only so the libFuzzer build can use it too.
#ifndef MICROCONV_TESTS_SUPPORT_SUMMARY_FACTS_H_
#define MICROCONV_TESTS_SUPPORT_SUMMARY_FACTS_H_

#include <cstdint>
#include <memory>

#include "core/schema/summary_generated.h"

namespace microconv::testing {

struct Facts {
  uint32_t duration_ds = 0;
  uint32_t active_ds = 0;
  uint16_t page_views = 0;
  uint16_t rage_clicks = 0;
  uint16_t dead_clicks = 0;
  uint16_t quick_backs = 0;
  wire::Dimensions dims;
  wire::FactFlags flags = wire::FactFlags::NONE;
  uint8_t entry_page = 0;
  uint8_t exit_page = 0;
};

inline Facts Unpack(const wire::SessionFacts& f) {
  return {f.duration_ds(), f.active_ds(), f.page_views(), f.rage_clicks(), f.dead_clicks(),
          f.quick_backs(), f.dims(),      f.flags(),      f.entry_page(),  f.exit_page()};
}

inline std::unique_ptr<wire::SessionFacts> Pack(const Facts& f) {
  return std::make_unique<wire::SessionFacts>(f.duration_ds, f.active_ds, f.page_views,
                                              f.rage_clicks, f.dead_clicks, f.quick_backs, f.dims,
                                              f.flags, f.entry_page, f.exit_page);
}

}  // namespace microconv::testing

#endif  // MICROCONV_TESTS_SUPPORT_SUMMARY_FACTS_H_
