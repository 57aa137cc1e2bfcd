// A site's configuration as the core uses it: the compiled FlatBuffer
// (core/schema/config.fbs), verified once, plus lookup tables derived from it
// so that per-event rule matching does no string work but page patterns.
#ifndef MICROCONV_CORE_CONFIG_H_
#define MICROCONV_CORE_CONFIG_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/schema/config_generated.h"
#include "core/status.h"
#include "core/time_zone.h"

namespace microconv {

// Limits shared by the config compiler, the engine and the summary verifier.
inline constexpr size_t kMaxMicroConversions = 250;  // ids fit a byte
inline constexpr size_t kMaxFunnels = 16;
inline constexpr size_t kMaxFunnelSteps = 32;  // reached fits a uint
inline constexpr size_t kMaxPageTemplates = 1000;
inline constexpr size_t kMaxForms = 64;
inline constexpr size_t kMaxFormFields = 64;
inline constexpr size_t kMaxSelectors = 250;
inline constexpr size_t kMaxCompiledConfigBytes = 256 * 1024;
inline constexpr uint32_t kConfigVersion = 1;

// Compiles a config object (filled by the JSON reader or by tests) into the
// FlatBuffer the owner's side keeps; the tracker fetches its BrowserConfig
// (core/browser_config.h). Checks the same rules FromCompiled checks.
Result<std::vector<uint8_t>> CompileConfig(const wire::SiteConfigT& config);

class Config {
 public:
  // Verifies untrusted compiled bytes (Verifier, enum and index ranges,
  // limits above) and builds the lookup tables. Copies the bytes.
  static Result<Config> FromCompiled(std::span<const uint8_t> bytes);

  Config() = default;
  // def_ points into bytes_: copies and moves re-derive it (config.cc).
  Config(const Config& other);
  Config& operator=(const Config& other);
  Config(Config&& other) noexcept;
  Config& operator=(Config&& other) noexcept;

  const wire::SiteConfig& def() const noexcept { return *def_; }
  std::span<const uint8_t> bytes() const noexcept { return bytes_; }
  // FNV-1a 32 of the compiled bytes; summaries carry it.
  uint32_t hash() const noexcept { return hash_; }
  std::string_view site() const noexcept;
  // ISO 4217 code of the site's one currency (revenue), and it packed as a
  // dataLayer event's `y` (core/revenue.h).
  std::string_view currency() const noexcept;
  uint32_t currency_code() const noexcept;

  // IANA name of the site's time zone ("UTC" when the config gives none).
  std::string_view time_zone_name() const noexcept;
  // The zone's rules the days are counted by: UTC until the tools attach
  // the rules of time_zone_name() (tools/base/zoneinfo.h), as the core reads
  // no files. Copies share them.
  const TimeZone& time_zone() const noexcept;
  const std::shared_ptr<const TimeZone>& time_zone_rules() const noexcept { return zone_; }
  void AttachTimeZone(std::shared_ptr<const TimeZone> zone) noexcept { zone_ = std::move(zone); }
  // The site's local day of a session start (a summary's start_minute).
  uint32_t DayOfMinute(uint32_t utc_minute) const noexcept {
    return time_zone().DayOfMinute(utc_minute);
  }

  size_t micro_count() const noexcept;
  size_t funnel_count() const noexcept;
  size_t template_count() const noexcept;

  // Index of the funnel whose id is `id`, or -1: reports name funnels by id.
  int FindFunnel(std::string_view id) const noexcept;

  // The configured real page of template `page`, or "" (none given).
  std::string_view PageExample(size_t page) const noexcept;

  // Index of the first page template matching `path` (query already
  // dropped), or -1.
  int MatchTemplate(std::string_view path) const noexcept;

  // Micro-conversions triggered by the event, by kind. Each list holds
  // micro indices in config order.
  std::span<const uint8_t> PageViewMicros() const noexcept { return page_view_; }
  std::span<const uint8_t> ScrollMicros() const noexcept { return scroll_; }
  std::span<const uint8_t> TimeOnPageMicros() const noexcept { return time_on_page_; }
  std::span<const uint8_t> ClickMicros(uint16_t selector) const noexcept;
  std::span<const uint8_t> FormStartMicros(uint16_t form) const noexcept;
  std::span<const uint8_t> FormSubmitMicros(uint16_t form) const noexcept;
  std::span<const uint8_t> VisibleMicros(uint16_t selector) const noexcept;
  // Calls to action (click micro-conversions with `cta_visible`) whose own
  // selector is visibility selector `selector`.
  std::span<const uint8_t> CallsToActionSeenBy(uint16_t selector) const noexcept;
  bool IsCallToAction(uint8_t micro) const noexcept;
  std::span<const uint8_t> MediaMicros(uint16_t selector) const noexcept;
  std::span<const uint8_t> CustomMicros() const noexcept { return custom_; }
  std::span<const uint8_t> DataLayerMicros() const noexcept { return data_layer_; }

  // Whether micro `micro`'s page filter (if any) accepts `path`.
  bool PageFilterMatches(uint8_t micro, std::string_view path) const noexcept;

 private:
  std::vector<uint8_t> bytes_;
  const wire::SiteConfig* def_ = nullptr;
  uint32_t hash_ = 0;
  std::shared_ptr<const TimeZone> zone_;  // null: UTC
  std::vector<uint8_t> page_view_, scroll_, time_on_page_, custom_, data_layer_;
  // Per target index (selector or form): micro indices.
  std::vector<std::vector<uint8_t>> click_, form_start_, form_submit_, visible_, media_;
  // Per visibility selector: the calls to action it shows.
  std::vector<std::vector<uint8_t>> cta_;
};

}  // namespace microconv

#endif  // MICROCONV_CORE_CONFIG_H_
