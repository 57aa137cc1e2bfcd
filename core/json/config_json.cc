#include "core/json/config_json.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/css_selector.h"
#include "core/ldp.h"
#include "core/quoted.h"
#include "core/revenue.h"
#include "core/time_zone.h"

namespace microconv {
namespace {

using nlohmann::json;

constexpr size_t kMaxStringBytes = 1024;
constexpr size_t kMaxIdBytes = 64;
constexpr size_t kMaxDataLayerEventBytes = 40;  // GA4's own limit
constexpr double kMaxSessionTimeoutMinutes = 24 * 60;
constexpr double kMaxTimeOnPageSeconds = 24 * 60 * 60;
constexpr double kMaxJourneyDays = 365;
constexpr double kMaxWindowSeconds = UINT32_MAX / 1000.0;  // window_ms is a uint
constexpr double kMaxValue = kMaxOrderCents / 100.0;       // the largest order counted

// The numbers a key accepts: [min, max], or (min, max] when min_exclusive.
struct NumberRule {
  double min;
  double max;
  bool min_exclusive = false;
  bool integer = false;
};
constexpr NumberRule kSessionMinutes{0, kMaxSessionTimeoutMinutes, true};
constexpr NumberRule kValue{0, kMaxValue};
constexpr NumberRule kPercent{1, 100, false, true};
constexpr NumberRule kSeconds{1, kMaxTimeOnPageSeconds, false, true};
constexpr NumberRule kWindow{0, kMaxWindowSeconds, true};
constexpr NumberRule kJourneyDays{1, kMaxJourneyDays, false, true};
constexpr NumberRule kEpsilon{0, 1e6};
constexpr NumberRule kShare{0, 1};
constexpr NumberRule kAnonymityK{1, UINT16_MAX, false, true};

// Seconds to ms; 0 (absent) stays "no window", a tiny window stays > 0.
uint32_t WindowMs(double seconds) {
  if (seconds == 0) return 0;
  return static_cast<uint32_t>(std::max<long long>(1, std::llround(seconds * 1000)));
}

std::string Join(const std::string& path, std::string_view key) {
  std::string shown = Quoted(key);
  shown = shown.substr(1, shown.size() - 2);  // the path spells keys bare
  return path.empty() ? shown : path + "." + shown;
}

std::string At(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

// First pass over the text: finds where invalid JSON breaks and rejects
// duplicate keys (nlohmann would silently keep the last one, hiding typos).
class SyntaxCheck : public nlohmann::json_sax<json> {
 public:
  explicit SyntaxCheck(std::string_view text) : text_(text) {}
  const std::string& error() const { return error_; }

  bool null() override { return Scalar(); }
  bool boolean(bool) override { return Scalar(); }
  bool number_integer(number_integer_t) override { return Scalar(); }
  bool number_unsigned(number_unsigned_t) override { return Scalar(); }
  bool number_float(number_float_t, const string_t&) override { return Scalar(); }
  bool string(string_t&) override { return Scalar(); }
  bool binary(binary_t&) override { return Scalar(); }
  bool start_object(std::size_t) override { return Open(true); }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(false); }
  bool end_array() override { return Close(); }
  bool key(string_t& key) override {
    Frame& top = frames_.back();
    if (!top.keys.insert(key).second) {
      error_ = Join(Path(), key) + ": duplicate key";
      return false;
    }
    top.key = key;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    // nlohmann counts the bytes read including the offending one.
    size_t offset = position == 0 ? 0 : std::min(position - 1, text_.size());
    size_t line = 1, column = 1;
    for (size_t i = 0; i < offset; ++i) {
      column = text_[i] == '\n' ? 1 : column + 1;
      line += text_[i] == '\n' ? 1 : 0;
    }
    // Keep nlohmann's reason ("unexpected '}'; expected ...") without its
    // own position prefix, in printable ASCII.
    std::string_view what = ex.what();
    size_t column_at = what.find("column ");
    size_t reason_at = column_at == std::string_view::npos ? 0 : what.find(": ", column_at);
    what = what.substr(reason_at == std::string_view::npos ? 0 : reason_at + 2);
    std::string reason;
    for (size_t i = 0; i < what.size() && i < 160; ++i) {
      reason.push_back(what[i] >= 0x20 && what[i] < 0x7f ? what[i] : '?');
    }
    error_ = "config: invalid JSON at byte " + std::to_string(offset) + " (line " +
             std::to_string(line) + ", column " + std::to_string(column) + "): " + reason;
    return false;
  }

 private:
  struct Frame {
    bool is_object = false;
    std::set<std::string> keys;
    std::string key;
    size_t index = 0;
  };

  std::string Path() const {
    std::string path;
    for (size_t i = 0; i + 1 < frames_.size(); ++i) {
      path = frames_[i].is_object ? Join(path, frames_[i].key) : At(path, frames_[i].index);
    }
    return path;
  }
  bool Scalar() {
    if (!frames_.empty() && !frames_.back().is_object) ++frames_.back().index;
    return true;
  }
  bool Open(bool is_object) {
    frames_.push_back(Frame{is_object, {}, {}, 0});
    return true;
  }
  bool Close() {
    frames_.pop_back();
    return Scalar();
  }

  std::string_view text_;
  std::vector<Frame> frames_;
  std::string error_;
};

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

bool IsIntegral(double v) { return std::isfinite(v) && v == std::floor(v); }

// Reads one config; the first error wins and is kept in error_, every Read*
// returns false once it is set.
class ConfigReader {
 public:
  Result<wire::SiteConfigT> Read(const json& root);

 private:
  bool Fail(const std::string& path, std::string_view what) {
    error_ = (path.empty() ? std::string("config") : path) + ": " + std::string(what);
    return false;
  }

  // The tracker hands selectors to Element.matches: one the browser cannot
  // parse would throw there and track nothing (core/css_selector.h).
  bool CheckSelector(const std::string& path, const std::string& selector) {
    const Status parsed = CheckCssSelector(selector);
    if (parsed.ok()) return true;
    return Fail(Join(path, "selector"),
                Quoted(selector) + " is not a selector the browser accepts: " + parsed.message);
  }

  const json* Find(const json& obj, std::string_view key) const {
    auto it = obj.find(std::string(key));
    return it == obj.end() ? nullptr : &*it;
  }

  bool CheckKeys(const json& obj, const std::string& path,
                 std::initializer_list<std::string_view> allowed) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      bool known = false;
      for (std::string_view key : allowed) known = known || it.key() == key;
      if (!known) return Fail(Join(path, it.key()), "unknown key");
    }
    return true;
  }

  bool ExpectObject(const json& value, const std::string& path) {
    return value.is_object() || Fail(path, "expected an object");
  }

  // Each Read* leaves *out untouched when the key is absent and optional.
  bool ReadString(const json& obj, const std::string& path, std::string_view key, bool required,
                  std::string* out) {
    const json* v = Find(obj, key);
    std::string field = Join(path, key);
    if (v == nullptr) return !required || Fail(field, "required");
    if (!v->is_string()) return Fail(field, "expected a string");
    const std::string& s = v->get_ref<const std::string&>();
    if (s.empty()) return Fail(field, "must not be empty");
    if (s.size() > kMaxStringBytes) {
      return Fail(field, "longer than " + std::to_string(kMaxStringBytes) + " bytes");
    }
    *out = s;
    return true;
  }

  // Ids name things in URLs, reports and other configs: short and plain.
  bool CheckId(const std::string& field, const std::string& id) {
    for (char c : id) {
      if (!IsIdChar(c)) return Fail(field, "use only letters, digits, '_', '-', '.'");
    }
    if (id.size() > kMaxIdBytes) {
      return Fail(field, "longer than " + std::to_string(kMaxIdBytes) + " bytes");
    }
    return true;
  }

  bool ReadId(const json& obj, const std::string& path, std::string* out) {
    return ReadString(obj, path, "id", true, out) && CheckId(Join(path, "id"), *out);
  }

  bool ReadBool(const json& obj, const std::string& path, std::string_view key, bool* out) {
    const json* v = Find(obj, key);
    if (v == nullptr) return true;
    if (!v->is_boolean()) return Fail(Join(path, key), "expected a boolean");
    *out = v->get<bool>();
    return true;
  }

  bool ReadNumber(const json& obj, const std::string& path, std::string_view key, bool required,
                  const NumberRule& rule, double* out) {
    const json* v = Find(obj, key);
    std::string field = Join(path, key);
    if (v == nullptr) return !required || Fail(field, "required");
    if (!v->is_number()) {
      return Fail(field, rule.integer ? "expected an integer" : "expected a number");
    }
    double d = v->get<double>();
    if (!std::isfinite(d)) return Fail(field, "expected a finite number");
    if (rule.integer && !IsIntegral(d)) return Fail(field, "expected an integer");
    auto text = [](double x) {
      return IsIntegral(x) ? std::to_string(static_cast<long long>(x)) : std::to_string(x);
    };
    if (rule.min_exclusive && !(d > rule.min)) return Fail(field, "must be > " + text(rule.min));
    if (!rule.min_exclusive && d < rule.min) return Fail(field, "must be >= " + text(rule.min));
    if (d > rule.max) return Fail(field, "must be <= " + text(rule.max));
    *out = d;
    return true;
  }

  // An array (absent: empty) of at most `max` entries.
  bool ReadArray(const json& obj, const std::string& path, std::string_view key, size_t max,
                 const json** out) {
    const json* v = Find(obj, key);
    *out = v;
    if (v == nullptr) return true;
    std::string field = Join(path, key);
    if (!v->is_array()) return Fail(field, "expected an array");
    if (v->size() > max) {
      return Fail(field, "at most " + std::to_string(max) + " entries (got " +
                             std::to_string(v->size()) + ")");
    }
    return true;
  }

  bool ReadPages(const json& root);
  bool ReadForms(const json& root);
  bool ReadMicros(const json& root);
  bool ReadMicro(const json& m, const std::string& path);
  bool ReadPagePattern(const json& m, const std::string& path, bool required,
                       wire::MicroConversionDefT* micro);
  bool ReadSelector(const json& m, const std::string& path, std::vector<std::string>* list,
                    std::string_view list_name, uint16_t* target);
  bool ReadFunnels(const json& root);
  bool ReadFunnel(const json& f, const std::string& path);
  bool ReadMicroRefs(const json& obj, const std::string& path, std::string_view key,
                     std::vector<uint8_t>* out);
  bool ReadPrivacy(const json& root);
  bool ReadCurrency(const json& root);
  bool ReadTimeZone(const json& root);

  int MicroIndex(std::string_view id) const {
    for (size_t i = 0; i < config_.micros.size(); ++i) {
      if (config_.micros[i]->id == id) return static_cast<int>(i);
    }
    return -1;
  }

  wire::SiteConfigT config_;
  std::string error_;
};

Result<wire::SiteConfigT> ConfigReader::Read(const json& root) {
  bool ok = ExpectObject(root, "") &&
            CheckKeys(root, "",
                      {"$schema", "site", "session_timeout_minutes", "pages", "forms",
                       "micro_conversions", "funnels", "privacy", "currency", "time_zone"}) &&
            ReadString(root, "", "site", true, &config_.site) && CheckId("site", config_.site);
  double minutes = 30;
  ok = ok && ReadNumber(root, "", "session_timeout_minutes", false, kSessionMinutes, &minutes);
  config_.session_timeout_ms =
      static_cast<uint32_t>(std::max<long long>(1, std::llround(minutes * 60 * 1000)));
  ok = ok && ReadPages(root) && ReadForms(root) && ReadMicros(root) && ReadFunnels(root) &&
       ReadPrivacy(root) && ReadCurrency(root) && ReadTimeZone(root);
  if (!ok) return {Error::kInvalidConfig, error_};
  return std::move(config_);
}

bool ConfigReader::ReadPages(const json& root) {
  const json* pages = nullptr;
  if (!ReadArray(root, "", "pages", kMaxPageTemplates, &pages)) return false;
  std::vector<std::string> examples;
  bool any_example = false;
  for (size_t i = 0; pages != nullptr && i < pages->size(); ++i) {
    const json& p = (*pages)[i];
    std::string path = At("pages", i);
    // A template, or {"template": ..., "example": a real page of it} (the
    // page the dashboard's heatmap opens; checked by CheckSiteConfig).
    std::string pattern, example;
    if (p.is_object()) {
      if (!CheckKeys(p, path, {"template", "example"}) ||
          !ReadString(p, path, "template", true, &pattern) ||
          !ReadString(p, path, "example", false, &example)) {
        return false;
      }
      path = Join(path, "template");
    } else if (p.is_string()) {
      pattern = p.get_ref<const std::string&>();
    } else {
      return Fail(path, "expected a string or an object");
    }
    if (pattern.empty() || pattern[0] != '/') return Fail(path, "must start with '/'");
    if (pattern.size() > kMaxStringBytes) return Fail(path, "too long");
    for (const std::string& seen : config_.page_templates) {
      if (seen == pattern) return Fail(path, "duplicate template " + Quoted(pattern));
    }
    config_.page_templates.push_back(pattern);
    examples.push_back(example);
    any_example = any_example || !example.empty();
  }
  // Only configs with examples carry the list: the others keep their bytes.
  if (any_example) config_.page_examples = std::move(examples);
  return true;
}

bool ConfigReader::ReadForms(const json& root) {
  const json* forms = nullptr;
  if (!ReadArray(root, "", "forms", kMaxForms, &forms)) return false;
  for (size_t i = 0; forms != nullptr && i < forms->size(); ++i) {
    const json& f = (*forms)[i];
    std::string path = At("forms", i);
    auto form = std::make_unique<wire::FormDefT>();
    if (!ExpectObject(f, path) || !CheckKeys(f, path, {"id", "selector", "fields"}) ||
        !ReadId(f, path, &form->id) || !ReadString(f, path, "selector", true, &form->selector) ||
        !CheckSelector(path, form->selector)) {
      return false;
    }
    for (const auto& seen : config_.forms) {
      if (seen->id == form->id) return Fail(Join(path, "id"), "duplicate id " + Quoted(form->id));
    }
    const json* fields = nullptr;
    if (!ReadArray(f, path, "fields", kMaxFormFields, &fields)) return false;
    for (size_t k = 0; fields != nullptr && k < fields->size(); ++k) {
      const json& name = (*fields)[k];
      std::string field_path = At(Join(path, "fields"), k);
      if (!name.is_string()) return Fail(field_path, "expected a string");
      if (name.get_ref<const std::string&>().empty()) return Fail(field_path, "must not be empty");
      if (name.get_ref<const std::string&>().size() > kMaxStringBytes) {
        return Fail(field_path, "too long");
      }
      form->fields.push_back(name.get<std::string>());
    }
    config_.forms.push_back(std::move(form));
  }
  return true;
}

bool ConfigReader::ReadMicros(const json& root) {
  const json* micros = nullptr;
  if (!ReadArray(root, "", "micro_conversions", kMaxMicroConversions, &micros)) return false;
  for (size_t i = 0; micros != nullptr && i < micros->size(); ++i) {
    if (!ReadMicro((*micros)[i], At("micro_conversions", i))) return false;
  }
  // Calls to action watch their click selector for visibility too; added
  // after every element_visible rule's, so marking one moves no index.
  for (size_t i = 0; micros != nullptr && i < micros->size(); ++i) {
    wire::MicroConversionDefT& micro = *config_.micros[i];
    if (micro.cta_visible == 0) continue;
    uint16_t seen_by = 0;
    if (!ReadSelector((*micros)[i], At("micro_conversions", i), &config_.visibility_selectors,
                      "visibility", &seen_by)) {
      return false;
    }
    micro.cta_visible = static_cast<uint16_t>(seen_by + 1);
  }
  return true;
}

struct KindSpec {
  std::string_view name;
  wire::MicroKind kind;
  // Keys beyond the common ones (id, label, kind, macro, value); "" pads.
  std::string_view keys[4];
};

// Every kind may be narrowed to pages with "page" (required for the
// page-based kinds) and "match".
const KindSpec kKinds[] = {
    {"page_view", wire::MicroKind::PageView, {"page", "match"}},
    {"click", wire::MicroKind::Click, {"selector", "page", "match", "cta"}},
    {"form_start", wire::MicroKind::FormStart, {"form", "page", "match"}},
    {"form_submit", wire::MicroKind::FormSubmit, {"form", "page", "match"}},
    {"scroll_depth", wire::MicroKind::ScrollDepth, {"page", "match", "percent"}},
    {"element_visible", wire::MicroKind::ElementVisible, {"selector", "page", "match"}},
    {"media", wire::MicroKind::Media, {"selector", "media_event", "page", "match"}},
    {"time_on_page", wire::MicroKind::TimeOnPage, {"page", "match", "seconds"}},
    {"custom", wire::MicroKind::CustomEvent, {"event", "page", "match"}},
    {"datalayer", wire::MicroKind::DataLayer, {"event", "page", "match"}},
};

bool ConfigReader::ReadMicro(const json& m, const std::string& path) {
  if (!ExpectObject(m, path)) return false;
  auto micro = std::make_unique<wire::MicroConversionDefT>();
  std::string kind_name;
  if (!ReadId(m, path, &micro->id) || !ReadString(m, path, "kind", true, &kind_name)) return false;
  if (MicroIndex(micro->id) >= 0) {
    return Fail(Join(path, "id"), "duplicate id " + Quoted(micro->id));
  }
  const KindSpec* spec = nullptr;
  for (const KindSpec& k : kKinds) {
    if (k.name == kind_name) spec = &k;
  }
  if (spec == nullptr) {
    std::string known;
    for (const KindSpec& k : kKinds) known.append(known.empty() ? "" : ", ").append(k.name);
    return Fail(Join(path, "kind"),
                "unknown kind " + Quoted(kind_name) + " (one of " + known + ")");
  }
  micro->kind = spec->kind;
  for (auto it = m.begin(); it != m.end(); ++it) {
    bool known = it.key() == "id" || it.key() == "label" || it.key() == "kind" ||
                 it.key() == "macro" || it.key() == "value";
    for (std::string_view key : spec->keys) known = known || (!key.empty() && it.key() == key);
    if (known) continue;
    bool other_kind = false;
    for (const KindSpec& k : kKinds) {
      for (std::string_view key : k.keys)
        other_kind = other_kind || (!key.empty() && it.key() == key);
    }
    return Fail(Join(path, it.key()),
                other_kind ? "not allowed for kind " + Quoted(kind_name) : "unknown key");
  }
  micro->label = micro->id;
  double value = 0;
  if (!ReadString(m, path, "label", false, &micro->label) ||
      !ReadBool(m, path, "macro", &micro->macro) ||
      !ReadNumber(m, path, "value", false, kValue, &value)) {
    return false;
  }
  micro->value_cents = static_cast<uint32_t>(std::llround(value * 100));

  bool page_required = spec->kind == wire::MicroKind::PageView ||
                       spec->kind == wire::MicroKind::ScrollDepth ||
                       spec->kind == wire::MicroKind::TimeOnPage;
  if (!ReadPagePattern(m, path, page_required, micro.get())) return false;

  switch (spec->kind) {
    case wire::MicroKind::Click: {
      if (!ReadSelector(m, path, &config_.click_selectors, "click", &micro->target)) return false;
      // A call to action; its visibility selector is set by ReadMicros.
      bool cta = false;
      if (!ReadBool(m, path, "cta", &cta)) return false;
      micro->cta_visible = cta ? 1 : 0;
      break;
    }
    case wire::MicroKind::ElementVisible:
      if (!ReadSelector(m, path, &config_.visibility_selectors, "visibility", &micro->target)) {
        return false;
      }
      break;
    case wire::MicroKind::Media: {
      if (!ReadSelector(m, path, &config_.media_selectors, "media", &micro->target)) return false;
      std::string event = "play";
      if (!ReadString(m, path, "media_event", false, &event)) return false;
      static constexpr std::pair<std::string_view, wire::MediaEvent> kEvents[] = {
          {"play", wire::MediaEvent::Play},
          {"q25", wire::MediaEvent::Quartile25},
          {"q50", wire::MediaEvent::Quartile50},
          {"q75", wire::MediaEvent::Quartile75},
          {"ended", wire::MediaEvent::Ended}};
      bool found = false;
      for (const auto& [name, media_event] : kEvents) {
        if (name == event) {
          micro->media_event = media_event;
          found = true;
        }
      }
      if (!found) {
        return Fail(Join(path, "media_event"),
                    "unknown event " + Quoted(event) + " (one of play, q25, q50, q75, ended)");
      }
      break;
    }
    case wire::MicroKind::FormStart:
    case wire::MicroKind::FormSubmit: {
      std::string form;
      if (!ReadString(m, path, "form", true, &form)) return false;
      size_t index = 0;
      while (index < config_.forms.size() && config_.forms[index]->id != form) ++index;
      if (index == config_.forms.size()) {
        return Fail(Join(path, "form"), "unknown form " + Quoted(form));
      }
      micro->target = static_cast<uint16_t>(index);
      break;
    }
    case wire::MicroKind::ScrollDepth: {
      double percent = 0;
      if (!ReadNumber(m, path, "percent", true, kPercent, &percent)) return false;
      micro->threshold = static_cast<uint32_t>(percent);
      break;
    }
    case wire::MicroKind::TimeOnPage: {
      double seconds = 0;
      if (!ReadNumber(m, path, "seconds", true, kSeconds, &seconds)) {
        return false;
      }
      micro->threshold = static_cast<uint32_t>(seconds);
      break;
    }
    case wire::MicroKind::CustomEvent:
      if (!ReadString(m, path, "event", true, &micro->event)) return false;
      break;
    case wire::MicroKind::DataLayer: {
      if (!ReadString(m, path, "event", true, &micro->event)) return false;
      bool valid = micro->event.size() <= kMaxDataLayerEventBytes;
      for (char c : micro->event) valid = valid && ((c >= 'a' && c <= 'z') || c == '_');
      if (!valid) {
        return Fail(Join(path, "event"),
                    "a dataLayer event name is [a-z_]+, at most 40 bytes (e.g. \"purchase\")");
      }
      break;
    }
    case wire::MicroKind::PageView:
      break;
  }
  config_.micros.push_back(std::move(micro));
  return true;
}

bool ConfigReader::ReadPagePattern(const json& m, const std::string& path, bool required,
                                   wire::MicroConversionDefT* micro) {
  if (!ReadString(m, path, "page", required, &micro->page)) return false;
  if (!micro->page.empty() && micro->page[0] != '/') {
    return Fail(Join(path, "page"), "must start with '/'");
  }
  std::string match;
  if (!ReadString(m, path, "match", false, &match)) return false;
  if (match.empty()) {
    bool has_star = micro->page.find('*') != std::string::npos;
    micro->page_match = has_star ? wire::PageMatch::Glob : wire::PageMatch::Exact;
    return true;
  }
  if (micro->page.empty()) return Fail(Join(path, "match"), "needs \"page\"");
  if (match == "exact") {
    micro->page_match = wire::PageMatch::Exact;
  } else if (match == "prefix") {
    micro->page_match = wire::PageMatch::Prefix;
  } else if (match == "glob") {
    micro->page_match = wire::PageMatch::Glob;
  } else {
    return Fail(Join(path, "match"), "unknown mode " + Quoted(match) + " (exact, prefix or glob)");
  }
  return true;
}

bool ConfigReader::ReadSelector(const json& m, const std::string& path,
                                std::vector<std::string>* list, std::string_view list_name,
                                uint16_t* target) {
  std::string selector;
  if (!ReadString(m, path, "selector", true, &selector)) return false;
  if (!CheckSelector(path, selector)) return false;
  size_t index = 0;
  while (index < list->size() && (*list)[index] != selector) ++index;
  if (index == list->size()) {
    if (list->size() == kMaxSelectors) {
      return Fail(Join(path, "selector"), "more than " + std::to_string(kMaxSelectors) +
                                              " distinct " + std::string(list_name) + " selectors");
    }
    list->push_back(selector);
  }
  *target = static_cast<uint16_t>(index);
  return true;
}

bool ConfigReader::ReadFunnels(const json& root) {
  const json* funnels = nullptr;
  if (!ReadArray(root, "", "funnels", kMaxFunnels, &funnels)) return false;
  for (size_t i = 0; funnels != nullptr && i < funnels->size(); ++i) {
    if (!ReadFunnel((*funnels)[i], At("funnels", i))) return false;
  }
  return true;
}

bool ConfigReader::ReadMicroRefs(const json& obj, const std::string& path, std::string_view key,
                                 std::vector<uint8_t>* out) {
  const json* ids = nullptr;
  if (!ReadArray(obj, path, key, kMaxMicroConversions, &ids)) return false;
  for (size_t k = 0; ids != nullptr && k < ids->size(); ++k) {
    const json& id = (*ids)[k];
    std::string id_path = At(Join(path, key), k);
    if (!id.is_string()) return Fail(id_path, "expected a string");
    int index = MicroIndex(id.get_ref<const std::string&>());
    if (index < 0) {
      return Fail(id_path, "unknown micro-conversion " + Quoted(id.get_ref<const std::string&>()));
    }
    out->push_back(static_cast<uint8_t>(index));
  }
  return true;
}

bool ConfigReader::ReadFunnel(const json& f, const std::string& path) {
  auto funnel = std::make_unique<wire::FunnelDefT>();
  if (!ExpectObject(f, path) ||
      !CheckKeys(f, path, {"id", "label", "mode", "steps", "exclude", "window"}) ||
      !ReadId(f, path, &funnel->id)) {
    return false;
  }
  for (const auto& seen : config_.funnels) {
    if (seen->id == funnel->id) return Fail(Join(path, "id"), "duplicate id " + Quoted(funnel->id));
  }
  funnel->label = funnel->id;
  std::string mode = "sequential";
  if (!ReadString(f, path, "label", false, &funnel->label) ||
      !ReadString(f, path, "mode", false, &mode)) {
    return false;
  }
  if (mode == "sequential") {
    funnel->mode = wire::FunnelMode::Sequential;
  } else if (mode == "strict") {
    funnel->mode = wire::FunnelMode::Strict;
  } else if (mode == "any_order") {
    funnel->mode = wire::FunnelMode::AnyOrder;
  } else {
    return Fail(Join(path, "mode"),
                "unknown mode " + Quoted(mode) + " (sequential, strict or any_order)");
  }
  double window = 0;
  if (!ReadNumber(f, path, "window", false, kWindow, &window) ||
      !ReadMicroRefs(f, path, "exclude", &funnel->exclusions)) {
    return false;
  }
  funnel->window_ms = WindowMs(window);

  const json* steps = nullptr;
  std::string steps_path = Join(path, "steps");
  if (!ReadArray(f, path, "steps", kMaxFunnelSteps, &steps)) return false;
  if (steps == nullptr) return Fail(steps_path, "required");
  if (steps->empty()) return Fail(steps_path, "at least one step");
  bool any_required = false;
  for (size_t k = 0; k < steps->size(); ++k) {
    const json& s = (*steps)[k];
    std::string step_path = At(steps_path, k);
    auto step = std::make_unique<wire::FunnelStepDefT>();
    if (!ExpectObject(s, step_path) ||
        !CheckKeys(s, step_path, {"label", "micros", "optional", "window"}) ||
        !ReadMicroRefs(s, step_path, "micros", &step->micros)) {
      return false;
    }
    if (Find(s, "micros") == nullptr) return Fail(Join(step_path, "micros"), "required");
    if (step->micros.empty()) {
      return Fail(Join(step_path, "micros"), "at least one micro-conversion");
    }
    step->label = config_.micros[step->micros[0]]->label;
    double step_window = 0;
    if (!ReadString(s, step_path, "label", false, &step->label) ||
        !ReadBool(s, step_path, "optional", &step->optional) ||
        !ReadNumber(s, step_path, "window", false, kWindow, &step_window)) {
      return false;
    }
    step->window_ms = WindowMs(step_window);
    // A step window counts from the previous required step: no order, no meaning.
    if (step->window_ms != 0 && funnel->mode == wire::FunnelMode::AnyOrder) {
      return Fail(
          Join(step_path, "window"),
          "step windows need an order (sequential or strict); any_order uses the funnel window");
    }
    any_required = any_required || !step->optional;
    funnel->steps.push_back(std::move(step));
  }
  // A funnel of optional steps only would count every session as converted.
  if (!any_required) return Fail(steps_path, "at least one step must not be optional");
  config_.funnels.push_back(std::move(funnel));
  return true;
}

bool ConfigReader::ReadPrivacy(const json& root) {
  auto privacy = std::make_unique<wire::PrivacyDefT>();
  const json* p = Find(root, "privacy");
  if (p == nullptr) {
    config_.privacy = std::move(privacy);  // defaults: session scope, GPC/DNT honoured
    return true;
  }
  const std::string path = "privacy";
  if (!ExpectObject(*p, path) ||
      !CheckKeys(*p, path,
                 {"scope", "journey_days", "honor_gpc", "honor_dnt", "require_consent",
                  "ldp_epsilon", "replay_sample_rate", "k_anonymity"})) {
    return false;
  }
  std::string scope = "session";
  if (!ReadString(*p, path, "scope", false, &scope)) return false;
  if (scope == "journey") {
    privacy->scope = wire::PrivacyScope::Journey;
    double days = 0;
    if (!ReadNumber(*p, path, "journey_days", true, kJourneyDays, &days)) {
      return false;
    }
    privacy->journey_days = static_cast<uint16_t>(days);
  } else if (scope == "session") {
    if (Find(*p, "journey_days") != nullptr) {
      return Fail(Join(path, "journey_days"), "only with scope \"journey\"");
    }
  } else {
    return Fail(Join(path, "scope"), "unknown scope " + Quoted(scope) + " (session or journey)");
  }
  double epsilon = 0, replay = 0, k = 5;
  if (!ReadBool(*p, path, "honor_gpc", &privacy->honor_gpc) ||
      !ReadBool(*p, path, "honor_dnt", &privacy->honor_dnt) ||
      !ReadBool(*p, path, "require_consent", &privacy->require_consent) ||
      !ReadNumber(*p, path, "ldp_epsilon", false, kEpsilon, &epsilon) ||
      !ReadNumber(*p, path, "replay_sample_rate", false, kShare, &replay) ||
      !ReadNumber(*p, path, "k_anonymity", false, kAnonymityK, &k)) {
    return false;
  }
  // 0 is off; otherwise the range of core/ldp.h (below it the estimates
  // say nothing, above it the randomization protects nothing).
  const auto narrowed = static_cast<float>(epsilon);  // as stored and checked (core/config.cc)
  if (epsilon != 0 && !(narrowed >= kMinLdpEpsilon && narrowed <= kMaxLdpEpsilon)) {
    return Fail(Join(path, "ldp_epsilon"), "must be 0 (off) or within 0.1..10");
  }
  // An LDP summary carries no behaviour (core/ldp.h), so no timeline
  // either: a sample rate there would be a setting without its effect.
  if (replay != 0 && epsilon != 0) {
    return Fail(Join(path, "replay_sample_rate"),
                "must be 0 with ldp_epsilon (an LDP summary carries no timeline)");
  }
  privacy->ldp_epsilon = static_cast<float>(epsilon);
  privacy->replay_sample_rate = static_cast<float>(replay);
  privacy->k_anonymity = static_cast<uint16_t>(k);
  config_.privacy = std::move(privacy);
  return true;
}

// One currency per site: revenue in it is summed, purchases in another are
// counted apart (core/revenue.h).
bool ConfigReader::ReadCurrency(const json& root) {
  std::string currency;
  if (!ReadString(root, "", "currency", false, &currency)) return false;
  if (currency.empty()) return true;
  if (PackCurrency(currency) == 0) {
    return Fail("currency",
                Quoted(currency) + " is not an ISO 4217 code (three capitals: EUR, USD)");
  }
  config_.currency = currency;
  return true;
}

// The site's days are counted in this zone; "UTC" is the default and is
// left out of the compiled config so UTC sites keep their bytes and hash.
// Only the name's shape is checked here: whether the zone exists is the
// tools' question (they read the time-zone database).
bool ConfigReader::ReadTimeZone(const json& root) {
  std::string zone;
  if (!ReadString(root, "", "time_zone", false, &zone)) return false;
  if (zone.empty() || zone == kUtcZoneName) return true;
  if (!IsTimeZoneName(zone)) {
    return Fail("time_zone",
                Quoted(zone) + " is not an IANA time zone name (e.g. \"Europe/Berlin\")");
  }
  config_.time_zone = zone;
  return true;
}

}  // namespace

Result<wire::SiteConfigT> ParseConfigJson(std::string_view text) {
  if (text.size() > kMaxConfigJsonBytes) {
    return {Error::kTooLarge, "config: " + std::to_string(text.size()) + " bytes, at most " +
                                  std::to_string(kMaxConfigJsonBytes)};
  }
  // nlohmann stops at a NUL byte as if the input ended there.
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return {Error::kInvalidConfig,
            "config: invalid JSON at byte " + std::to_string(nul) + ": NUL byte"};
  }
  SyntaxCheck check(text);
  if (!json::sax_parse(text, &check)) return {Error::kInvalidConfig, check.error()};
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return {Error::kInvalidConfig, "config: invalid JSON"};
  return ConfigReader().Read(root);
}

Result<Config> LoadConfigJson(std::string_view text) {
  Result<wire::SiteConfigT> parsed = ParseConfigJson(text);
  if (!parsed.ok()) return {parsed.error(), parsed.message()};
  Result<std::vector<uint8_t>> compiled = CompileConfig(parsed.value());
  if (!compiled.ok()) return {compiled.error(), compiled.message()};
  return Config::FromCompiled(compiled.value());
}

}  // namespace microconv
