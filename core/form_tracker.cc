#include "core/form_tracker.h"

#include <algorithm>

#include "core/flatbuffer_write.h"
#include "core/wire_ids.h"

namespace microconv {

FormState::Form* FormTracker::FormAt(uint16_t form) {
  const auto* forms = config_->def().forms();
  if (!forms || form >= forms->size()) return nullptr;
  for (FormState::Form& entry : state_.forms) {
    if (entry.form == form) return &entry;
  }
  // Forms are few (configured ones only).
  state_.forms.push_back(FormState::Form{static_cast<uint8_t>(form), false, false, -1, {}});
  return &state_.forms.back();
}

bool FormTracker::OnStartOrSubmit(uint16_t form_index, bool submit, int64_t t) {
  FormState::Form* form = FormAt(form_index);
  if (!form) return false;
  if (submit) {
    CloseFocus(t);
    form->submitted = true;
  }
  form->started = true;
  return true;
}

void FormTracker::OnField(EventType type, uint16_t form_index, std::string_view field_name,
                          int64_t t, NameTable& names) {
  FormState::Form* form = FormAt(form_index);
  if (!form || field_name.empty()) return;
  // Configured fields travel as their index; others as a capped name.
  uint16_t key = 0xffff;
  const auto* form_def = config_->def().forms()->Get(form_index);
  if (const auto* fields = form_def->fields()) {
    for (size_t i = 0; i < fields->size(); ++i) {
      if (fields->Get(static_cast<flatbuffers::uoffset_t>(i))->string_view() == field_name) {
        key = static_cast<uint16_t>(i);
      }
    }
  }
  if (key == 0xffff) {
    int name = names.Index(field_name);
    if (name < 0) return;
    key = static_cast<uint16_t>(kLiteralBit | name);
  }
  auto it = std::find_if(form->fields.begin(), form->fields.end(),
                         [&](const FormState::Field& f) { return f.field == key; });
  if (it == form->fields.end()) {
    if (form->fields.size() >= kMaxFormFields) return;
    it = form->fields.insert(it, FormState::Field{key});
  }
  int slot = static_cast<int>(it - form->fields.begin());
  int form_slot = static_cast<int>(form - state_.forms.data());
  switch (type) {
    case EventType::kFieldFocus:
      CloseFocus(t);
      it->focus_count = Saturate16(it->focus_count + 1u);
      form->last_field = static_cast<int16_t>(slot);
      form->started = true;
      state_.focus_form = form_slot;
      state_.focus_field = slot;
      state_.focus_since_ms = t;
      break;
    case EventType::kFieldBlur:
      if (state_.focus_form == form_slot && state_.focus_field == slot) CloseFocus(t);
      break;
    default:  // kFieldChange: a second change of the same field is a refill
      it->changes = Saturate16(it->changes + 1u);
      break;
  }
}

void FormTracker::CloseFocus(int64_t t) {
  if (state_.focus_form < 0) return;
  FormState::Field& field = state_.forms[state_.focus_form].fields[state_.focus_field];
  field.time_ms = Saturate32(field.time_ms + static_cast<uint64_t>(std::clamp<int64_t>(
                                                 t - state_.focus_since_ms, 0, 3600000)));
  state_.focus_form = state_.focus_field = -1;
}

FormTracker::Rows FormTracker::SummaryRows(SentNames& names) const {
  Rows rows;
  for (const FormState::Form& form : state_.forms) {
    rows.forms.emplace_back(form.form,
                            FlagIf(form.started, wire::FormFlags::Started) |
                                FlagIf(form.submitted, wire::FormFlags::Submitted),
                            form.last_field >= 0 ? static_cast<uint8_t>(form.last_field) : 0xff,
                            static_cast<uint8_t>(form.fields.size()));
    for (const FormState::Field& f : form.fields) {
      auto field = static_cast<uint8_t>(
          f.field & kLiteralBit ? kLiteralFieldBit | names.Id(f.field & ~kLiteralBit) : f.field);
      rows.fields.emplace_back(field, Saturate8(f.focus_count),
                               Saturate8(f.changes > 1 ? f.changes - 1u : 0u), 0,
                               Saturate16(f.time_ms / 100));
    }
  }
  return rows;
}

FormTracker::Saved FormTracker::Save(flatbuffers::FlatBufferBuilder& fbb) const {
  std::vector<uint32_t> field_changed;
  for (const FormState::Form& form : state_.forms) {
    uint64_t changed = 0;
    for (size_t i = 0; i < form.fields.size(); ++i) {
      if (form.fields[i].changes) changed |= uint64_t{1} << i;
    }
    field_changed.push_back(static_cast<uint32_t>(changed));
    field_changed.push_back(static_cast<uint32_t>(changed >> 32));
  }
  return {static_cast<int16_t>(state_.focus_form), static_cast<int16_t>(state_.focus_field),
          state_.focus_since_ms, VectorOrNull(fbb, field_changed)};
}

Status FormTracker::Restore(const wire::Summary& summary, const wire::EngineState& engine,
                            SessionSpan span) {
  auto corrupt = [](const char* why) {
    return Status{Error::kCorruptSnapshot, MICROCONV_MESSAGE(why)};
  };
  size_t form_count = summary.forms() ? summary.forms()->size() : 0;
  size_t field_total = summary.fields() ? summary.fields()->size() : 0;
  if ((engine.field_changed() ? engine.field_changed()->size() : 0) != 2 * form_count) {
    return corrupt("form state");
  }
  size_t next_field = 0;
  for (size_t i = 0; i < form_count; ++i) {
    const wire::FormStat* f = summary.forms()->Get(static_cast<flatbuffers::uoffset_t>(i));
    auto word = [&](size_t k) {
      return uint64_t{engine.field_changed()->Get(static_cast<flatbuffers::uoffset_t>(k))};
    };
    uint64_t changed = word(2 * i) | word(2 * i + 1) << 32;
    FormState::Form form{f->form(),
                         HasFlag(f->flags(), wire::FormFlags::Started),
                         HasFlag(f->flags(), wire::FormFlags::Submitted),
                         static_cast<int16_t>(f->last_field() == 0xff ? -1 : f->last_field()),
                         {}};
    size_t field_count = f->field_count();
    if (form.last_field >= static_cast<int>(field_count) || field_count > 64 ||
        next_field + field_count > field_total) {
      return corrupt("form fields");
    }
    for (size_t k = 0; k < field_count; ++k) {
      const wire::FieldStat* field =
          summary.fields()->Get(static_cast<flatbuffers::uoffset_t>(next_field++));
      // Refills are changes beyond the first; whether there was a first is
      // the engine's bit.
      uint16_t changes = (changed >> k) & 1 ? static_cast<uint16_t>(field->refills() + 1) : 0;
      uint16_t key = field->field() & kLiteralFieldBit
                         ? static_cast<uint16_t>(kLiteralBit | (field->field() & ~kLiteralFieldBit))
                         : field->field();
      form.fields.push_back(FormState::Field{key, field->focus_count(), changes,
                                             static_cast<uint32_t>(field->time_ds()) * 100});
    }
    state_.forms.push_back(std::move(form));
  }
  state_.focus_form = engine.focus_form();
  state_.focus_field = engine.focus_field();
  state_.focus_since_ms = engine.focus_since_ms();
  if (!span.Contains(state_.focus_since_ms)) return corrupt("engine times");
  if (state_.focus_form >= static_cast<int>(form_count) || state_.focus_form < -1 ||
      (state_.focus_form >= 0 &&
       (state_.focus_field < 0 ||
        state_.focus_field >= static_cast<int>(state_.forms[state_.focus_form].fields.size())))) {
    return corrupt("focus");
  }
  if (state_.focus_form < 0) state_.focus_field = -1;
  return {};
}

}  // namespace microconv
