// Forms and fields of one session (SPEC section 5): which configured forms
// were started and submitted, and per field its focus count, focus time and
// refills (changes after the first). Never a value, only that it changed.
#ifndef MICROCONV_CORE_FORM_TRACKER_H_
#define MICROCONV_CORE_FORM_TRACKER_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/element_names.h"
#include "core/event.h"
#include "core/schema/snapshot_generated.h"
#include "core/schema/summary_generated.h"
#include "core/session_units.h"
#include "core/status.h"

namespace microconv {

struct FormState {
  struct Field {
    uint16_t field;  // configured index, or kLiteralBit | index into the NameTable
    uint16_t focus_count = 0;
    uint16_t changes = 0;
    uint32_t time_ms = 0;
  };
  struct Form {
    uint8_t form;
    bool started = false, submitted = false;
    int16_t last_field = -1;
    std::vector<Field> fields;
  };
  std::vector<Form> forms;
  // The focused field, by slot (not pointer: forms and fields grow).
  int focus_form = -1, focus_field = -1;
  int64_t focus_since_ms = 0;
};

class FormTracker {
 public:
  FormTracker(const Config& config, int64_t start_ms) : config_(&config) {
    state_.focus_since_ms = start_ms;
  }

  // kFormStart / kFormSubmit of configured form `form`; false when the
  // config has no such form (then nothing happened).
  bool OnStartOrSubmit(uint16_t form, bool submit, int64_t t);
  // kFieldFocus, kFieldBlur or kFieldChange of field `name` in form `form`.
  void OnField(EventType type, uint16_t form, std::string_view name, int64_t t, NameTable& names);
  // Ends the focused field's focus time (leaving the page, submitting).
  void CloseFocus(int64_t t);

  // Summary `forms` and `fields` (each form's fields follow it in order).
  struct Rows {
    std::vector<wire::FormStat> forms;
    std::vector<wire::FieldStat> fields;
  };
  Rows SummaryRows(SentNames& names) const;
  // This tracker's part of the snapshot's engine table (written before it).
  struct Saved {
    int16_t focus_form;
    int16_t focus_field;
    int64_t focus_since_ms;
    flatbuffers::Offset<flatbuffers::Vector<uint32_t>> field_changed;
    void AddTo(wire::EngineStateBuilder& engine) const {
      engine.add_focus_form(focus_form);
      engine.add_focus_field(focus_field);
      engine.add_focus_since_ms(focus_since_ms);
      engine.add_field_changed(field_changed);
    }
  };
  Saved Save(flatbuffers::FlatBufferBuilder& fbb) const;
  Status Restore(const wire::Summary& summary, const wire::EngineState& engine, SessionSpan span);

  const FormState& state() const noexcept { return state_; }

 private:
  FormState::Form* FormAt(uint16_t form);

  const Config* config_;
  FormState state_;
};

}  // namespace microconv

#endif  // MICROCONV_CORE_FORM_TRACKER_H_
