#include "core/config.h"

#include <cmath>
#include <string>
#include <string_view>
#include <utility>

#include "core/flatbuffer_view.h"
#include "core/fnv1a.h"
#include "core/ldp.h"
#include "core/page_pattern.h"
#include "core/quoted.h"
#include "core/revenue.h"
#include "core/tracker_settings.h"
#include "flatbuffers/flatbuffers.h"

namespace microconv {
namespace {

// Compiled configs are small and flat (site > funnel > step is the deepest
// path), so limits far below the Verifier's defaults cost nothing and bound
// the work a hostile buffer can cause.
constexpr flatbuffers::uoffset_t kVerifierMaxDepth = 16;
constexpr flatbuffers::uoffset_t kVerifierMaxTables = 20000;
constexpr uint32_t kMaxThresholdSeconds = 24 * 60 * 60;
constexpr uint16_t kMaxJourneyDays = 365;

bool Empty(const flatbuffers::String* s) { return s == nullptr || s->size() == 0; }

Status Fail(Error error, std::string message) { return Status{error, std::move(message)}; }

// "micros[3]": only messages read it, so the browser's codes-only build
// (core/status.h) builds no path either.
std::string Indexed(std::string_view name, size_t i) {
  return MICROCONV_MESSAGE(std::string(name) + "[" + std::to_string(i) + "]");
}

Status CheckCount(std::string_view field, size_t count, size_t max) {
  if (count <= max) return {};
  return Fail(Error::kOutOfRange,
              MICROCONV_MESSAGE(std::string(field) + ": " + std::to_string(count) +
                                " entries, at most " + std::to_string(max)));
}

// The selector or form list a micro-conversion's `target` indexes, by kind.
struct TargetList {
  const char* name = nullptr;  // nullptr: the kind has no target
  size_t size = 0;
};

TargetList TargetListFor(const wire::SiteConfig& def, wire::MicroKind kind) {
  switch (kind) {
    case wire::MicroKind::Click:
      return {MICROCONV_NAME("click selectors"), SizeOf(def.click_selectors())};
    case wire::MicroKind::FormStart:
    case wire::MicroKind::FormSubmit:
      return {MICROCONV_NAME("forms"), SizeOf(def.forms())};
    case wire::MicroKind::ElementVisible:
      return {MICROCONV_NAME("visibility selectors"), SizeOf(def.visibility_selectors())};
    case wire::MicroKind::Media:
      return {MICROCONV_NAME("media selectors"), SizeOf(def.media_selectors())};
    default:
      return {};
  }
}

Status CheckMicro(const wire::SiteConfig& def, size_t i) {
  const wire::MicroConversionDef* m = def.micros()->Get(static_cast<flatbuffers::uoffset_t>(i));
  std::string path = Indexed(MICROCONV_NAME("micros"), i);
  if (Empty(m->id()))
    return Fail(Error::kInvalidConfig, MICROCONV_MESSAGE(path + ".id: must not be empty"));
  for (size_t j = 0; j < i; ++j) {
    if (View(def.micros()->Get(static_cast<flatbuffers::uoffset_t>(j))->id()) == View(m->id())) {
      return Fail(Error::kInvalidConfig,
                  MICROCONV_MESSAGE(path + ".id: duplicate id " + Quoted(View(m->id()))));
    }
  }
  auto kind = static_cast<uint8_t>(m->kind());
  if (kind > static_cast<uint8_t>(wire::MicroKind::MAX)) {
    return Fail(Error::kOutOfRange,
                MICROCONV_MESSAGE(path + ".kind: unknown kind " + std::to_string(kind)));
  }
  auto match = static_cast<uint8_t>(m->page_match());
  if (match > static_cast<uint8_t>(wire::PageMatch::MAX)) {
    return Fail(Error::kOutOfRange,
                MICROCONV_MESSAGE(path + ".page_match: unknown mode " + std::to_string(match)));
  }
  auto media = static_cast<uint8_t>(m->media_event());
  if (media > static_cast<uint8_t>(wire::MediaEvent::MAX)) {
    return Fail(Error::kOutOfRange,
                MICROCONV_MESSAGE(path + ".media_event: unknown event " + std::to_string(media)));
  }
  // Revenue is counted per order: a value elsewhere would do nothing.
  if (m->value_cents() > 0 && !m->macro()) {
    return Fail(Error::kInvalidConfig,
                MICROCONV_MESSAGE(path + ".value: counts as revenue only on a macro-conversion"));
  }
  if (m->value_cents() > static_cast<uint32_t>(kMaxOrderCents)) {
    return Fail(Error::kOutOfRange,
                MICROCONV_MESSAGE(path + ".value: above the largest order counted (" +
                                  std::to_string(kMaxOrderCents / 100) + ")"));
  }
  TargetList targets = TargetListFor(def, m->kind());
  if (targets.name != nullptr && m->target() >= targets.size) {
    return Fail(Error::kOutOfRange,
                MICROCONV_MESSAGE(path + ".target: " + std::to_string(m->target()) +
                                  " >= " + std::to_string(targets.size) + " " + targets.name));
  }
  if (m->cta_visible() > 0 && (m->kind() != wire::MicroKind::Click ||
                               m->cta_visible() > SizeOf(def.visibility_selectors()))) {
    return Fail(Error::kOutOfRange,
                MICROCONV_MESSAGE(path + ".cta_visible: not a click rule's visibility selector"));
  }
  switch (m->kind()) {
    case wire::MicroKind::PageView:
    case wire::MicroKind::ScrollDepth:
    case wire::MicroKind::TimeOnPage:
      if (Empty(m->page()))
        return Fail(Error::kInvalidConfig, MICROCONV_MESSAGE(path + ".page: required"));
      break;
    case wire::MicroKind::CustomEvent:
    case wire::MicroKind::DataLayer:
      if (Empty(m->event()))
        return Fail(Error::kInvalidConfig, MICROCONV_MESSAGE(path + ".event: required"));
      break;
    default:
      break;
  }
  if (m->kind() == wire::MicroKind::ScrollDepth && (m->threshold() < 1 || m->threshold() > 100)) {
    return Fail(Error::kOutOfRange,
                MICROCONV_MESSAGE(path + ".threshold: " + std::to_string(m->threshold()) +
                                  " is not a percent 1..100"));
  }
  if (m->kind() == wire::MicroKind::TimeOnPage &&
      (m->threshold() < 1 || m->threshold() > kMaxThresholdSeconds)) {
    return Fail(
        Error::kOutOfRange,
        MICROCONV_MESSAGE(path + ".threshold: " + std::to_string(m->threshold()) +
                          " seconds is outside 1.." + std::to_string(kMaxThresholdSeconds)));
  }
  return {};
}

Status CheckMicroIndices(const flatbuffers::Vector<uint8_t>* ids, const std::string& path,
                         size_t micro_count) {
  for (size_t k = 0; k < SizeOf(ids); ++k) {
    uint8_t id = ids->Get(static_cast<flatbuffers::uoffset_t>(k));
    if (id >= micro_count) {
      return Fail(Error::kOutOfRange,
                  MICROCONV_MESSAGE(Indexed(path, k) + ": " + std::to_string(id) +
                                    " >= " + std::to_string(micro_count) + " micro-conversions"));
    }
  }
  return {};
}

Status CheckFunnel(const wire::SiteConfig& def, size_t i) {
  const wire::FunnelDef* f = def.funnels()->Get(static_cast<flatbuffers::uoffset_t>(i));
  std::string path = Indexed(MICROCONV_NAME("funnels"), i);
  if (Empty(f->id()))
    return Fail(Error::kInvalidConfig, MICROCONV_MESSAGE(path + ".id: must not be empty"));
  for (size_t j = 0; j < i; ++j) {
    if (View(def.funnels()->Get(static_cast<flatbuffers::uoffset_t>(j))->id()) == View(f->id())) {
      return Fail(Error::kInvalidConfig,
                  MICROCONV_MESSAGE(path + ".id: duplicate id " + Quoted(View(f->id()))));
    }
  }
  auto mode = static_cast<uint8_t>(f->mode());
  if (mode > static_cast<uint8_t>(wire::FunnelMode::MAX)) {
    return Fail(Error::kOutOfRange,
                MICROCONV_MESSAGE(path + ".mode: unknown mode " + std::to_string(mode)));
  }
  size_t steps = SizeOf(f->steps());
  if (steps == 0)
    return Fail(Error::kInvalidConfig, MICROCONV_MESSAGE(path + ".steps: at least one step"));
  if (Status s = CheckCount(MICROCONV_MESSAGE(path + ".steps"), steps, kMaxFunnelSteps); !s.ok())
    return s;
  size_t micro_count = SizeOf(def.micros());
  for (size_t k = 0; k < steps; ++k) {
    const wire::FunnelStepDef* step = f->steps()->Get(static_cast<flatbuffers::uoffset_t>(k));
    const std::string step_path = MICROCONV_MESSAGE(path + Indexed(MICROCONV_NAME(".steps"), k));
    if (SizeOf(step->micros()) == 0) {
      return Fail(Error::kInvalidConfig,
                  MICROCONV_MESSAGE(step_path + ".micros: at least one micro-conversion"));
    }
    if (Status s = CheckMicroIndices(step->micros(), MICROCONV_MESSAGE(step_path + ".micros"),
                                     micro_count);
        !s.ok()) {
      return s;
    }
  }
  return CheckMicroIndices(f->exclusions(), MICROCONV_MESSAGE(path + ".exclusions"), micro_count);
}

Status CheckPrivacy(const wire::PrivacyDef& p) {
  auto scope = static_cast<uint8_t>(p.scope());
  if (scope > static_cast<uint8_t>(wire::PrivacyScope::MAX)) {
    return Fail(Error::kOutOfRange,
                MICROCONV_MESSAGE("privacy.scope: unknown scope " + std::to_string(scope)));
  }
  if (p.scope() == wire::PrivacyScope::Journey &&
      (p.journey_days() < 1 || p.journey_days() > kMaxJourneyDays)) {
    return Fail(Error::kOutOfRange,
                MICROCONV_MESSAGE("privacy.journey_days: " + std::to_string(p.journey_days()) +
                                  " is outside 1.." + std::to_string(kMaxJourneyDays)));
  }
  // Written so that NaN fails too.
  if (!(p.ldp_epsilon() == 0.0f ||
        (p.ldp_epsilon() >= kMinLdpEpsilon && p.ldp_epsilon() <= kMaxLdpEpsilon))) {
    return Fail(Error::kOutOfRange,
                MICROCONV_MESSAGE("privacy.ldp_epsilon: must be 0 (off) or within 0.1..10"));
  }
  // Journey fields say which steps a visit reached first: sent with LDP they
  // would give the randomized bits away (core/journey.h).
  if (p.ldp_epsilon() != 0.0f && p.scope() == wire::PrivacyScope::Journey) {
    return Fail(Error::kInvalidConfig,
                MICROCONV_MESSAGE("privacy.ldp_epsilon: not with scope \"journey\""));
  }
  if (!(p.replay_sample_rate() >= 0.0f && p.replay_sample_rate() <= 1.0f)) {
    return Fail(Error::kOutOfRange,
                MICROCONV_MESSAGE("privacy.replay_sample_rate: must be within 0..1"));
  }
  if (p.k_anonymity() < 1)
    return Fail(Error::kOutOfRange, MICROCONV_MESSAGE("privacy.k_anonymity: must be >= 1"));
  return {};
}

// A page example is a real page of its own template: a path without query
// that this template, and no earlier one, matches.
Status CheckPageExamples(const wire::SiteConfig& def) {
  const size_t count = SizeOf(def.page_examples());
  if (count == 0) return {};
  if (count != SizeOf(def.page_templates())) {
    return Fail(Error::kInvalidConfig, MICROCONV_MESSAGE("page_examples: one per page template"));
  }
  for (size_t i = 0; i < count; ++i) {
    const auto at = static_cast<flatbuffers::uoffset_t>(i);
    const std::string_view example = View(def.page_examples()->Get(at));
    if (example.empty()) continue;
    const std::string_view pattern = View(def.page_templates()->Get(at));
    const std::string path =
        MICROCONV_MESSAGE(Indexed(MICROCONV_NAME("pages"), i) + ".example: " + Quoted(example));
    if (example[0] != '/' || example.find_first_of("?#") != std::string_view::npos) {
      return Fail(Error::kInvalidConfig, MICROCONV_MESSAGE(path + " must be a path without query"));
    }
    if (!MatchPagePattern(pattern, wire::PageMatch::Exact, example)) {
      return Fail(Error::kInvalidConfig,
                  MICROCONV_MESSAGE(path + " is not a page of " + Quoted(pattern)));
    }
    for (size_t j = 0; j < i; ++j) {
      const std::string_view earlier =
          View(def.page_templates()->Get(static_cast<flatbuffers::uoffset_t>(j)));
      if (MatchPagePattern(earlier, wire::PageMatch::Exact, example)) {
        return Fail(Error::kInvalidConfig,
                    MICROCONV_MESSAGE(path + " counts as the earlier " + Quoted(earlier)));
      }
    }
  }
  return {};
}

// Every rule a compiled config must meet; shared by CompileConfig and
// FromCompiled so that what compiles also loads.
Status CheckSiteConfig(const wire::SiteConfig& def) {
  if (def.version() != kConfigVersion) {
    return Fail(Error::kUnsupportedVersion,
                MICROCONV_MESSAGE("version: " + std::to_string(def.version()) +
                                  ", this build reads " + std::to_string(kConfigVersion)));
  }
  if (Empty(def.site()))
    return Fail(Error::kInvalidConfig, MICROCONV_MESSAGE("site: must not be empty"));
  if (def.session_timeout_ms() == 0) {
    return Fail(Error::kOutOfRange, MICROCONV_MESSAGE("session_timeout_ms: must be > 0"));
  }
  const std::pair<const char*, std::pair<size_t, size_t>> counts[] = {
      {MICROCONV_NAME("page_templates"), {SizeOf(def.page_templates()), kMaxPageTemplates}},
      {MICROCONV_NAME("micros"), {SizeOf(def.micros()), kMaxMicroConversions}},
      {MICROCONV_NAME("funnels"), {SizeOf(def.funnels()), kMaxFunnels}},
      {MICROCONV_NAME("forms"), {SizeOf(def.forms()), kMaxForms}},
      {MICROCONV_NAME("click_selectors"), {SizeOf(def.click_selectors()), kMaxSelectors}},
      {MICROCONV_NAME("visibility_selectors"), {SizeOf(def.visibility_selectors()), kMaxSelectors}},
      {MICROCONV_NAME("media_selectors"), {SizeOf(def.media_selectors()), kMaxSelectors}},
  };
  for (const auto& [field, count] : counts) {
    if (Status s = CheckCount(field, count.first, count.second); !s.ok()) return s;
  }
  for (size_t i = 0; i < SizeOf(def.forms()); ++i) {
    const wire::FormDef* form = def.forms()->Get(static_cast<flatbuffers::uoffset_t>(i));
    std::string path = Indexed(MICROCONV_NAME("forms"), i);
    if (Empty(form->id()))
      return Fail(Error::kInvalidConfig, MICROCONV_MESSAGE(path + ".id: must not be empty"));
    if (Status s =
            CheckCount(MICROCONV_MESSAGE(path + ".fields"), SizeOf(form->fields()), kMaxFormFields);
        !s.ok()) {
      return s;
    }
  }
  for (size_t i = 0; i < SizeOf(def.micros()); ++i) {
    if (Status s = CheckMicro(def, i); !s.ok()) return s;
  }
  for (size_t i = 0; i < SizeOf(def.funnels()); ++i) {
    if (Status s = CheckFunnel(def, i); !s.ok()) return s;
  }
  if (Status s = CheckPageExamples(def); !s.ok()) return s;
  if (def.currency() != nullptr && PackCurrency(View(def.currency())) == 0) {
    return Fail(Error::kInvalidConfig,
                MICROCONV_MESSAGE("currency: " + Quoted(View(def.currency())) +
                                  " is not an ISO 4217 code (EUR, USD)"));
  }
  if (def.privacy() != nullptr) return CheckPrivacy(*def.privacy());
  return {};
}

Status CheckNoNulls(const wire::SiteConfigT& config) {
  for (size_t i = 0; i < config.micros.size(); ++i) {
    if (!config.micros[i])
      return Fail(Error::kInvalidConfig,
                  MICROCONV_MESSAGE(Indexed(MICROCONV_NAME("micros"), i) + ": null"));
  }
  for (size_t i = 0; i < config.forms.size(); ++i) {
    if (!config.forms[i])
      return Fail(Error::kInvalidConfig,
                  MICROCONV_MESSAGE(Indexed(MICROCONV_NAME("forms"), i) + ": null"));
  }
  for (size_t i = 0; i < config.funnels.size(); ++i) {
    if (!config.funnels[i])
      return Fail(Error::kInvalidConfig,
                  MICROCONV_MESSAGE(Indexed(MICROCONV_NAME("funnels"), i) + ": null"));
    const auto& steps = config.funnels[i]->steps;
    for (size_t k = 0; k < steps.size(); ++k) {
      if (!steps[k]) {
        return Fail(Error::kInvalidConfig,
                    MICROCONV_MESSAGE(Indexed(MICROCONV_NAME("funnels"), i) +
                                      Indexed(MICROCONV_NAME(".steps"), k) + ": null"));
      }
    }
  }
  return {};
}

}  // namespace

Result<std::vector<uint8_t>> CompileConfig(const wire::SiteConfigT& config) {
  if (Status s = CheckNoNulls(config); !s.ok()) return {s.error, std::move(s.message)};
  wire::SiteConfigT stamped(config);
  stamped.version = static_cast<uint8_t>(kConfigVersion);
  // Rendered from the rules alone: a recompiled config's old rendering and
  // hash are dropped first, so the same rules always give the same bytes.
  // The first pass is exactly what this function wrote before those two
  // fields existed: its hash stays the config's identity (rules_hash).
  stamped.tracker_settings.clear();
  stamped.rules_hash = 0;
  flatbuffers::FlatBufferBuilder builder(1024);
  for (int pass = 0; pass < 2; ++pass) {
    builder.Clear();
    wire::FinishSiteConfigBuffer(builder, wire::SiteConfig::Pack(builder, &stamped));
    if (builder.GetSize() > kMaxCompiledConfigBytes) {
      return {Error::kTooLarge,
              MICROCONV_MESSAGE("config: compiles to " + std::to_string(builder.GetSize()) +
                                " bytes, at most " + std::to_string(kMaxCompiledConfigBytes))};
    }
    if (pass == 1) break;
    // Authoring mistakes are config errors whatever check caught them.
    Result<Config> rules = Config::FromCompiled({builder.GetBufferPointer(), builder.GetSize()});
    if (!rules.ok()) return {Error::kInvalidConfig, rules.message()};
    stamped.tracker_settings = RenderTrackerSettingsJson(rules.value());
    stamped.rules_hash = rules.value().hash();
  }
  return std::vector<uint8_t>(builder.GetBufferPointer(),
                              builder.GetBufferPointer() + builder.GetSize());
}

Result<Config> Config::FromCompiled(std::span<const uint8_t> bytes) {
  if (bytes.size() > kMaxCompiledConfigBytes) {
    return {Error::kTooLarge,
            MICROCONV_MESSAGE("config: " + std::to_string(bytes.size()) + " bytes, at most " +
                              std::to_string(kMaxCompiledConfigBytes))};
  }
  // Root offset plus file identifier.
  constexpr size_t kHeaderBytes =
      sizeof(flatbuffers::uoffset_t) + flatbuffers::kFileIdentifierLength;
  if (bytes.size() < kHeaderBytes) {
    return {Error::kTruncated,
            MICROCONV_MESSAGE("config: " + std::to_string(bytes.size()) + " bytes is too short")};
  }
  if (!wire::SiteConfigBufferHasIdentifier(bytes.data())) {
    return {Error::kWrongIdentifier, MICROCONV_MESSAGE("config: file identifier is not MCC1")};
  }
  Config config;
  // The copy is ours and suitably aligned for the Verifier's checks.
  config.bytes_.assign(bytes.begin(), bytes.end());
  flatbuffers::Verifier::Options options;
  options.max_depth = kVerifierMaxDepth;
  options.max_tables = kVerifierMaxTables;
  flatbuffers::Verifier verifier(config.bytes_.data(), config.bytes_.size(), options);
  if (!wire::VerifySiteConfigBuffer(verifier)) {
    return {Error::kVerifyFailed, MICROCONV_MESSAGE("config: FlatBuffers verification failed")};
  }
  const wire::SiteConfig* def = wire::GetSiteConfig(config.bytes_.data());
  if (Status s = CheckSiteConfig(*def); !s.ok()) return {s.error, std::move(s.message)};
  config.def_ = def;
  config.hash_ =
      def->rules_hash() != 0
          ? def->rules_hash()
          : Fnv1a32({reinterpret_cast<const char*>(config.bytes_.data()), config.bytes_.size()});

  size_t selector_lists[] = {SizeOf(def->click_selectors()), SizeOf(def->forms()),
                             SizeOf(def->visibility_selectors()), SizeOf(def->media_selectors())};
  config.click_.resize(selector_lists[0]);
  config.form_start_.resize(selector_lists[1]);
  config.form_submit_.resize(selector_lists[1]);
  config.visible_.resize(selector_lists[2]);
  config.media_.resize(selector_lists[3]);
  config.cta_.resize(selector_lists[2]);
  for (size_t i = 0; i < SizeOf(def->micros()); ++i) {
    const wire::MicroConversionDef* m = def->micros()->Get(static_cast<flatbuffers::uoffset_t>(i));
    auto index = static_cast<uint8_t>(i);  // kMaxMicroConversions fits a byte
    switch (m->kind()) {
      case wire::MicroKind::PageView:
        config.page_view_.push_back(index);
        break;
      case wire::MicroKind::Click:
        config.click_[m->target()].push_back(index);
        if (m->cta_visible() > 0) config.cta_[m->cta_visible() - 1].push_back(index);
        break;
      case wire::MicroKind::FormStart:
        config.form_start_[m->target()].push_back(index);
        break;
      case wire::MicroKind::FormSubmit:
        config.form_submit_[m->target()].push_back(index);
        break;
      case wire::MicroKind::ScrollDepth:
        config.scroll_.push_back(index);
        break;
      case wire::MicroKind::ElementVisible:
        config.visible_[m->target()].push_back(index);
        break;
      case wire::MicroKind::Media:
        config.media_[m->target()].push_back(index);
        break;
      case wire::MicroKind::TimeOnPage:
        config.time_on_page_.push_back(index);
        break;
      case wire::MicroKind::CustomEvent:
        config.custom_.push_back(index);
        break;
      case wire::MicroKind::DataLayer:
        config.data_layer_.push_back(index);
        break;
    }
  }
  return config;
}

Config::Config(const Config& other)
    : bytes_(other.bytes_),
      hash_(other.hash_),
      zone_(other.zone_),
      page_view_(other.page_view_),
      scroll_(other.scroll_),
      time_on_page_(other.time_on_page_),
      custom_(other.custom_),
      data_layer_(other.data_layer_),
      click_(other.click_),
      form_start_(other.form_start_),
      form_submit_(other.form_submit_),
      visible_(other.visible_),
      media_(other.media_),
      cta_(other.cta_) {
  if (other.def_ != nullptr) def_ = wire::GetSiteConfig(bytes_.data());
}

Config& Config::operator=(const Config& other) {
  if (this != &other) *this = Config(other);
  return *this;
}

// A moved vector keeps its heap buffer, so def_ stays valid in the target;
// the source is left empty rather than pointing into someone else's bytes.
Config::Config(Config&& other) noexcept
    : bytes_(std::move(other.bytes_)),
      def_(std::exchange(other.def_, nullptr)),
      hash_(std::exchange(other.hash_, 0)),
      zone_(std::move(other.zone_)),
      page_view_(std::move(other.page_view_)),
      scroll_(std::move(other.scroll_)),
      time_on_page_(std::move(other.time_on_page_)),
      custom_(std::move(other.custom_)),
      data_layer_(std::move(other.data_layer_)),
      click_(std::move(other.click_)),
      form_start_(std::move(other.form_start_)),
      form_submit_(std::move(other.form_submit_)),
      visible_(std::move(other.visible_)),
      media_(std::move(other.media_)),
      cta_(std::move(other.cta_)) {
  other.bytes_.clear();
}

Config& Config::operator=(Config&& other) noexcept {
  if (this == &other) return *this;
  bytes_ = std::move(other.bytes_);
  def_ = std::exchange(other.def_, nullptr);
  hash_ = std::exchange(other.hash_, 0);
  zone_ = std::move(other.zone_);
  page_view_ = std::move(other.page_view_);
  scroll_ = std::move(other.scroll_);
  time_on_page_ = std::move(other.time_on_page_);
  custom_ = std::move(other.custom_);
  data_layer_ = std::move(other.data_layer_);
  click_ = std::move(other.click_);
  form_start_ = std::move(other.form_start_);
  form_submit_ = std::move(other.form_submit_);
  visible_ = std::move(other.visible_);
  media_ = std::move(other.media_);
  cta_ = std::move(other.cta_);
  other.bytes_.clear();
  return *this;
}

std::string_view Config::site() const noexcept {
  return def_ == nullptr ? std::string_view() : View(def_->site());
}

std::string_view Config::currency() const noexcept {
  return def_ == nullptr || Empty(def_->currency()) ? kDefaultCurrency : View(def_->currency());
}

std::string_view Config::time_zone_name() const noexcept {
  return def_ == nullptr || Empty(def_->time_zone()) ? kUtcZoneName : View(def_->time_zone());
}

const TimeZone& Config::time_zone() const noexcept {
  // The name is checked where it is used, by the tools' zone loader
  // (tools/base/zoneinfo.h), not here: the tracker verifies configs too and
  // has no use for the zone.
  static const TimeZone* const kUtc = new TimeZone();
  return zone_ != nullptr ? *zone_ : *kUtc;
}

uint32_t Config::currency_code() const noexcept { return PackCurrency(currency()); }

std::string_view Config::PageExample(size_t page) const noexcept {
  const auto* examples = def_ == nullptr ? nullptr : def_->page_examples();
  if (examples == nullptr || page >= examples->size()) return {};
  return View(examples->Get(static_cast<flatbuffers::uoffset_t>(page)));
}

size_t Config::micro_count() const noexcept { return def_ == nullptr ? 0 : SizeOf(def_->micros()); }

size_t Config::funnel_count() const noexcept {
  return def_ == nullptr ? 0 : SizeOf(def_->funnels());
}

int Config::FindFunnel(std::string_view id) const noexcept {
  const auto* funnels = def_ == nullptr ? nullptr : def_->funnels();
  for (size_t f = 0; funnels != nullptr && f < funnels->size(); ++f) {
    const auto* funnel_id = funnels->Get(f)->id();
    if (funnel_id != nullptr && funnel_id->string_view() == id) return static_cast<int>(f);
  }
  return -1;
}

size_t Config::template_count() const noexcept {
  return def_ == nullptr ? 0 : SizeOf(def_->page_templates());
}

int Config::MatchTemplate(std::string_view path) const noexcept {
  for (size_t i = 0; i < template_count(); ++i) {
    std::string_view pattern =
        View(def_->page_templates()->Get(static_cast<flatbuffers::uoffset_t>(i)));
    if (MatchPagePattern(pattern, wire::PageMatch::Exact, path)) return static_cast<int>(i);
  }
  return -1;
}

namespace {

std::span<const uint8_t> MicrosAt(const std::vector<std::vector<uint8_t>>& table, uint16_t at) {
  if (at >= table.size()) return {};
  return table[at];
}

}  // namespace

std::span<const uint8_t> Config::ClickMicros(uint16_t selector) const noexcept {
  return MicrosAt(click_, selector);
}

std::span<const uint8_t> Config::FormStartMicros(uint16_t form) const noexcept {
  return MicrosAt(form_start_, form);
}

std::span<const uint8_t> Config::FormSubmitMicros(uint16_t form) const noexcept {
  return MicrosAt(form_submit_, form);
}

std::span<const uint8_t> Config::VisibleMicros(uint16_t selector) const noexcept {
  return MicrosAt(visible_, selector);
}

std::span<const uint8_t> Config::CallsToActionSeenBy(uint16_t selector) const noexcept {
  return MicrosAt(cta_, selector);
}

bool Config::IsCallToAction(uint8_t micro) const noexcept {
  return micro < micro_count() && def_->micros()->Get(micro)->cta_visible() > 0;
}

std::span<const uint8_t> Config::MediaMicros(uint16_t selector) const noexcept {
  return MicrosAt(media_, selector);
}

bool Config::PageFilterMatches(uint8_t micro, std::string_view path) const noexcept {
  if (micro >= micro_count()) return false;
  const wire::MicroConversionDef* m = def_->micros()->Get(micro);
  if (Empty(m->page())) return true;  // no filter
  return MatchPagePattern(View(m->page()), m->page_match(), path);
}

}  // namespace microconv
