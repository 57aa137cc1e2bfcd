#include "core/revenue.h"

#include "core/session_units.h"

namespace microconv {

uint32_t PackCurrency(std::string_view code) noexcept {
  if (code.size() != 3) return 0;
  uint32_t packed = 0;
  for (char c : code) {
    if (c < 'A' || c > 'Z') return 0;
    packed = packed << 8 | static_cast<uint8_t>(c);
  }
  return packed;
}

bool RevenueTracker::OnDataLayer(const Event& event, std::string_view name) noexcept {
  if (name != kPurchaseEvent || (event.b & kDataLayerHasValue) == 0) return false;
  // The tracker already refused these; the core does not trust it.
  if (event.x < 0 || event.x > kMaxOrderCents) return false;
  const auto currency = static_cast<uint32_t>(event.y);
  if (currency != 0 && currency != currency_) {
    other_currency_orders_ = Saturate16(other_currency_orders_ + 1u);
  } else {
    AddOrder(static_cast<uint64_t>(event.x));
  }
  return true;
}

void RevenueTracker::OnFired(const Config& config, std::span<const uint8_t> fired,
                             bool valued_by_event) noexcept {
  if (valued_by_event) return;
  for (uint8_t micro : fired) {
    if (micro >= config.micro_count()) continue;
    const wire::MicroConversionDef* def = config.def().micros()->Get(micro);
    if (def->macro() && def->value_cents() > 0) AddOrder(def->value_cents());
  }
}

void RevenueTracker::AddOrder(uint64_t cents) noexcept {
  // Past the order cap the revenue stops too, so revenue <= orders x the
  // largest order always holds (VerifySummary checks it).
  if (orders_ == UINT16_MAX) return;
  ++orders_;
  cents_ += cents;
}

void RevenueTracker::Restore(const wire::Summary& summary) noexcept {
  cents_ = summary.revenue_cents();
  orders_ = summary.orders();
  other_currency_orders_ = summary.other_currency_orders();
}

}  // namespace microconv
