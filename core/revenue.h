// Revenue of one session (issue 9): orders and their value in the site's one
// currency. An order is a GA4 `purchase` dataLayer event whose value the
// tracker accepted (its own value and currency), or a macro-conversion with a
// configured `value` fired by anything else. A purchase in another currency
// is counted apart and never summed or converted. The summary carries it
// all, so it is also the snapshot.
#ifndef MICROCONV_CORE_REVENUE_H_
#define MICROCONV_CORE_REVENUE_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "core/config.h"
#include "core/event.h"
#include "core/schema/summary_generated.h"

namespace microconv {

// The GA4 event whose value and currency are revenue.
inline constexpr std::string_view kPurchaseEvent = "purchase";
// A site's currency when its config names none.
inline constexpr std::string_view kDefaultCurrency = "EUR";

// Three uppercase ASCII letters packed c0 << 16 | c1 << 8 | c2 (the form
// of a dataLayer event's `y`), or 0 when `code` is not of that shape.
uint32_t PackCurrency(std::string_view code) noexcept;

class RevenueTracker {
 public:
  explicit RevenueTracker(const Config& config) : currency_(config.currency_code()) {}

  // A dataLayer event named `name`. True when it was a purchase carrying a
  // value: that value decides, so the configured values of the
  // micro-conversions it fires are not added again.
  bool OnDataLayer(const Event& event, std::string_view name) noexcept;
  // Micro-conversions fired together: each macro one with a configured value
  // is an order of that value, unless `valued_by_event`.
  void OnFired(const Config& config, std::span<const uint8_t> fired, bool valued_by_event) noexcept;

  void Restore(const wire::Summary& summary) noexcept;

  uint64_t revenue_cents() const noexcept { return cents_; }
  uint16_t orders() const noexcept { return orders_; }
  uint16_t other_currency_orders() const noexcept { return other_currency_orders_; }

 private:
  void AddOrder(uint64_t cents) noexcept;

  uint32_t currency_ = 0;
  uint64_t cents_ = 0;
  uint16_t orders_ = 0;
  uint16_t other_currency_orders_ = 0;
};

}  // namespace microconv

#endif  // MICROCONV_CORE_REVENUE_H_
