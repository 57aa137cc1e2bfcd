#include "tools/cli/journey_model.h"

#include <algorithm>
#include <string_view>

#include "core/replay_recorder.h"
#include "core/revenue.h"

namespace microconv {
namespace {

struct Visitor {
  const char* user_agent;
  const char* language;
  const char* time_zone;
  int32_t width;
  bool coarse;
};

// A spread of devices, browsers and places so segment reports have content.
constexpr Visitor kVisitors[] = {
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 "
     "Safari/537.36",
     "en-US", "America/New_York", 1536, false},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.1 "
     "Safari/605.1.15",
     "en-GB", "Europe/London", 1440, false},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) "
     "Version/17.1 Mobile/15E148 Safari/604.1",
     "de-DE", "Europe/Berlin", 390, true},
    {"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Mobile "
     "Safari/537.36",
     "fr-FR", "Europe/Paris", 412, true},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0", "es-ES",
     "Europe/Madrid", 1920, false},
    {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
     "Safari/537.36 "
     "Edg/120.0.0.0",
     "nl-NL", "Europe/Amsterdam", 1280, false},
    {"Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.1 "
     "Mobile/15E148 Safari/604.1",
     "ja-JP", "Asia/Tokyo", 820, true},
    {"Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/23.0 "
     "Chrome/115.0.0.0 Mobile Safari/537.36",
     "pt-BR", "America/Sao_Paulo", 360, true},
};

struct Source {
  const char* referrer;
  const char* landing_query;
};

constexpr Source kSources[] = {
    {"https://www.google.com/search?q=headphones", ""},
    {"https://www.google.com/", "?utm_source=google&utm_medium=cpc&utm_campaign=winter_sale"},
    {"https://duckduckgo.com/", ""},
    {"", "?utm_source=newsletter&utm_medium=email&utm_campaign=december"},
    {"https://t.co/x", "?utm_source=twitter&utm_medium=social"},
    {"", ""},
};

// The headphones of demo-site/store/assets/catalogue.js with their prices
// in US cents (the demo site's currency): an order's revenue is the store's
// own total, shipping included (state.js cartTotals).
struct Product {
  const char* id;
  int32_t price_cents;
};
constexpr Product kProducts[] = {
    {"aurora-x2", 14900}, {"nimbus-pro", 29900}, {"pulse-mini", 7900}, {"studio-one", 19900}};
constexpr int32_t kFreeShippingFromCents = 10000;
constexpr int32_t kShippingFeeCents = 595;
constexpr const char* kPosts[] = {"/blog/choosing-headphones", "/blog/noise-cancelling-explained",
                                  "/blog/caring-for-ear-cushions"};

// Appends events with a clock that only moves forward.
class Recorder {
 public:
  Recorder(SimulatedVisit& visit, std::mt19937_64& rng, int64_t start_ms)
      : visit_(visit), rng_(rng), now_(start_ms) {}

  void Wait(int min_ms, int max_ms) {
    now_ += std::uniform_int_distribution<int>(min_ms, max_ms)(rng_);
  }
  int64_t now() const { return now_; }

  void Page(std::string_view path) {
    if (!visit_.events.empty()) visit_.flush_points.push_back(visit_.events.size());  // unload
    Add({.time_ms = now_, .type = EventType::kPageView, .str = Intern(path)});
  }
  void Click(int32_t x, int32_t y, std::string_view element, int selector = -1) {
    // The cell of the element's box the tracker would read: one of the four
    // middle ones, as people click a button's middle. About one position in
    // seven has no box (a keyboard activation, a click from before the
    // tracker loaded) and stays on the grid. Derived from the position, not
    // drawn, so the random stream (and every seeded figure) stays as it was.
    const int column = 1 + (x / 10) % 2;
    const int row = 1 + (y / 10) % 2;
    const bool boxed = (x / 10 + y / 10) % 7 != 0;
    Add({.time_ms = now_,
         .type = EventType::kClick,
         .a = static_cast<uint16_t>(boxed ? 1 + row * kElementGridSide + column : 0),
         .str = Intern(element),
         .x = x,
         .y = y,
         .w = 1440,
         .h = 3200});
    if (selector >= 0) {
      Add({.time_ms = now_,
           .type = EventType::kSelectorMatch,
           .a = static_cast<uint16_t>(selector)});
    }
  }
  void Scroll(int percent) {
    Add({.time_ms = now_, .type = EventType::kScroll, .a = static_cast<uint16_t>(percent)});
  }
  void Input() { Add({.time_ms = now_, .type = EventType::kInput}); }
  void Form(EventType type, uint16_t form) { Add({.time_ms = now_, .type = type, .a = form}); }
  void Field(EventType type, uint16_t form, std::string_view name) {
    Add({.time_ms = now_, .type = type, .a = form, .str = Intern(name)});
  }
  // Focuses, fills and leaves the first `count` fields of `form`.
  void Fill(uint16_t form, const std::vector<std::string>& fields, size_t count) {
    Form(EventType::kFormStart, form);
    for (size_t i = 0; i < count && i < fields.size(); ++i) {
      const std::string& field = fields[i];
      Field(EventType::kFieldFocus, form, field);
      Wait(800, 6000);
      Field(EventType::kFieldChange, form, field);
      if (std::bernoulli_distribution(0.1)(rng_)) {  // typo, filled again
        Wait(500, 2000);
        Field(EventType::kFieldChange, form, field);
      }
      Field(EventType::kFieldBlur, form, field);
      Wait(100, 600);
    }
  }
  void Visible(uint16_t selector, bool on) {
    Add({.time_ms = now_,
         .type = EventType::kElementVisible,
         .b = static_cast<uint8_t>(on),
         .a = selector});
  }
  void Media(uint16_t selector, uint8_t milestone) {
    Add({.time_ms = now_, .type = EventType::kMedia, .b = milestone, .a = selector});
  }
  // The GA4 purchase the store's order page pushes, as the tracker passes it.
  void Purchase(int32_t cents) {
    Add({.time_ms = now_,
         .type = EventType::kDataLayer,
         .b = kDataLayerHasValue,
         .str = Intern(kPurchaseEvent),
         .x = cents,
         .y = static_cast<int32_t>(PackCurrency("USD"))});
  }
  void Dead(std::string_view element) {
    Add({.time_ms = now_, .type = EventType::kDeadClick, .str = Intern(element)});
  }
  void Hidden() { Add({.time_ms = now_, .type = EventType::kVisibility, .b = 0}); }

 private:
  uint32_t Intern(std::string_view s) {
    visit_.strings.emplace_back(s);
    visit_.string_views.push_back(visit_.strings.back());
    return static_cast<uint32_t>(visit_.string_views.size() - 1);
  }
  void Add(Event e) { visit_.events.push_back(e); }

  SimulatedVisit& visit_;
  std::mt19937_64& rng_;
  int64_t now_;
};

template <typename T>
Result<uint16_t> IndexOf(const T* list, std::string_view name, const char* what) {
  for (size_t i = 0; list && i < list->size(); ++i) {
    if (list->Get(static_cast<flatbuffers::uoffset_t>(i))->string_view() == name)
      return static_cast<uint16_t>(i);
  }
  return {Error::kInvalidConfig, std::string("simulate needs the demo store's ") + what + " \"" +
                                     std::string(name) + "\" (demo-site/sites/demo.json)"};
}

// A form's index and its configured fields: the simulator fills what the
// config (and so the store's form) has, never a field of its own.
Result<std::pair<uint16_t, std::vector<std::string>>> FindForm(const Config& config,
                                                               std::string_view id) {
  const auto* forms = config.def().forms();
  for (size_t i = 0; forms && i < forms->size(); ++i) {
    const auto* form = forms->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (form->id()->string_view() != id) continue;
    std::vector<std::string> fields;
    for (size_t f = 0; form->fields() && f < form->fields()->size(); ++f) {
      fields.emplace_back(
          form->fields()->Get(static_cast<flatbuffers::uoffset_t>(f))->string_view());
    }
    if (fields.empty()) break;
    return std::pair{static_cast<uint16_t>(i), std::move(fields)};
  }
  return {Error::kInvalidConfig,
          "simulate needs the demo store's form \"" + std::string(id) + "\" with its fields"};
}

}  // namespace

Result<JourneyModel> JourneyModel::ForDemoStore(const Config& config) {
  JourneyModel model;
  const auto& def = config.def();
  struct Lookup {
    uint16_t* out;
    Result<uint16_t> found;
  };
  Lookup lookups[] = {
      {&model.selector_add_to_cart_,
       IndexOf(def.click_selectors(), "[data-mc=add-to-cart]", "click selector")},
      {&model.selector_checkout_,
       IndexOf(def.click_selectors(), "[data-mc=checkout]", "click selector")},
      {&model.selector_share_, IndexOf(def.click_selectors(), "[data-mc=share]", "click selector")},
      {&model.media_video_, IndexOf(def.media_selectors(), "video", "media selector")},
      {&model.visible_reviews_,
       IndexOf(def.visibility_selectors(), "#reviews", "visibility selector")},
      {&model.visible_add_to_cart_,
       IndexOf(def.visibility_selectors(), "[data-mc=add-to-cart]", "visibility selector")},
  };
  for (Lookup& lookup : lookups) {
    if (!lookup.found.ok()) return {lookup.found.error(), lookup.found.message()};
    *lookup.out = lookup.found.value();
  }
  struct FormLookup {
    Form* out;
    const char* id;
  };
  const FormLookup forms[] = {{&model.signin_, "signin"},
                              {&model.shipping_, "shipping"},
                              {&model.payment_, "payment"},
                              {&model.newsletter_, "newsletter"},
                              {&model.comment_, "comment"}};
  for (const FormLookup& form : forms) {
    auto found = FindForm(config, form.id);
    if (!found.ok()) return {found.error(), found.message()};
    form.out->index = found.value().first;
    form.out->fields = std::move(found.value().second);
  }
  return model;
}

SimulatedVisit JourneyModel::Next(std::mt19937_64& rng, const JourneyOptions& options) const {
  SimulatedVisit visit;
  const Visitor& who =
      kVisitors[std::uniform_int_distribution<size_t>(0, std::size(kVisitors) - 1)(rng)];
  const Source& source =
      kSources[std::uniform_int_distribution<size_t>(0, std::size(kSources) - 1)(rng)];
  visit.user_agent = who.user_agent;
  visit.language = who.language;
  visit.time_zone = who.time_zone;
  visit.referrer = source.referrer;
  int64_t start = options.start_ms + std::uniform_int_distribution<int64_t>(
                                         0, std::max<int64_t>(options.spread_ms, 1) - 1)(rng);
  visit.start.nonce = rng();
  // Simulated visits only: the LDP noise seed (core/ldp.h) follows from the
  // nonce so the simulation's random stream stays as it was; a browser draws
  // it apart, since the nonce is sent.
  visit.start.ldp_seed = ~visit.start.nonce * 0x9e3779b97f4a7c15ULL;
  // The journey replay draw likewise (core/replay_recorder.h).
  visit.start.replay_draw = NonceReplayDraw(visit.start.nonce);
  visit.start.time_ms = start;
  visit.start.visitor = {visit.user_agent, visit.language, visit.time_zone, who.width, who.coarse};
  visit.start.referrer = visit.referrer;
  visit.start.own_host = "shop.example";

  Recorder r(visit, rng, start);
  auto chance = [&](double p) { return std::bernoulli_distribution(std::clamp(p, 0.0, 1.0))(rng); };
  const Product& bought =
      kProducts[std::uniform_int_distribution<size_t>(0, std::size(kProducts) - 1)(rng)];
  const std::string product = std::string("/product/") + bought.id;

  if (chance(options.blog_share)) {  // a journal reader (the journal has no video)
    r.Page(
        std::string(kPosts[std::uniform_int_distribution<size_t>(0, std::size(kPosts) - 1)(rng)]) +
        source.landing_query);
    r.Wait(2000, 20000);
    r.Scroll(40);
    r.Wait(3000, 30000);
    r.Scroll(chance(0.6) ? 90 : 50);
    if (chance(0.2)) r.Click(700, 2900, "button#share", selector_share_);
    if (chance(0.1)) {
      r.Fill(comment_.index, comment_.fields, comment_.fields.size());
      r.Form(EventType::kFormSubmit, comment_.index);
    }
    if (chance(0.35)) {  // the newsletter form in the footer
      r.Fill(newsletter_.index, newsletter_.fields, newsletter_.fields.size());
      r.Form(EventType::kFormSubmit, newsletter_.index);
    }
    r.Wait(1000, 5000);
    r.Hidden();
    return visit;
  }

  // The article's journey, leaving with the configured chance before each step.
  int step = 0;
  auto goes_on = [&] { return !chance(options.dropoff[std::min(step, kJourneySteps - 1)]); };
  r.Page(std::string("/") + source.landing_query);
  r.Wait(1500, 8000);
  r.Scroll(35);
  if (goes_on()) {  // 1. sign in (a guest skips it and still shops)
    r.Page("/signin");
    r.Wait(800, 3000);
    r.Fill(signin_.index, signin_.fields, signin_.fields.size());
    r.Form(EventType::kFormSubmit, signin_.index);
    r.Wait(400, 1200);
    r.Page("/");
    step = 1;
  }
  bool shopping = step == 1 || chance(0.7);
  step = 1;
  auto next = [&](auto&& act) {
    if (!shopping || !goes_on()) {
      shopping = false;
      return false;
    }
    act();
    ++step;
    return true;
  };
  next([&] {  // 2. Electronics
    r.Wait(1500, 6000);
    r.Click(180, 90, "nav>ul>li:nth-of-type(1)>a");
    r.Page("/department/electronics");
    r.Wait(2000, 9000);
    r.Scroll(60);
  });
  next([&] {  // 3. Headphones
    r.Click(420, 700, "a#cat-headphones");
    r.Page("/category/headphones");
    r.Wait(2000, 12000);
    r.Scroll(55);
  });
  next([&] {  // 4. a product
    r.Click(700, 1350, "a#product-" + product.substr(std::string_view("/product/").size()));
    r.Page(product);
    // The add-to-cart button is in the first viewport: seen as the page
    // shows, whether the visitor goes on to click it or not.
    r.Visible(visible_add_to_cart_, true);
    r.Wait(3000, 15000);
    r.Scroll(50);
    r.Visible(visible_reviews_, true);
    r.Wait(500, 4000);
    r.Visible(visible_reviews_, false);
    if (chance(0.3)) {  // the 12 s product film
      r.Media(media_video_, 0);
      r.Wait(3000, 12000);
      r.Media(media_video_, chance(0.6) ? 3 : 1);
    }
    if (chance(options.frustration)) {  // the gallery looks clickable but is not
      for (int i = 0; i < 4; ++i) {
        r.Click(400 + i, 600 + i, "img#gallery-main");
        r.Wait(150, 300);
      }
      r.Dead("img#gallery-main");
    }
    r.Wait(2000, 30000);
    r.Input();
  });
  next([&] {  // 5. add to cart
    r.Click(1010, 520, "button#add-to-cart", selector_add_to_cart_);
    r.Wait(300, 800);
    r.Click(1010, 580, "a#to-cart");
    r.Page("/cart");
    r.Wait(1500, 6000);
  });
  next([&] {  // 6. proceed to checkout
    r.Click(1180, 640, "a#proceed-to-checkout", selector_checkout_);
    r.Wait(300, 800);
    r.Page("/checkout/shipping");
  });
  next([&] {  // 7. shipping address
    r.Fill(shipping_.index, shipping_.fields, shipping_.fields.size());
    r.Form(EventType::kFormSubmit, shipping_.index);
    r.Wait(300, 800);
    r.Page("/checkout/payment");
  });
  next([&] {  // 8. payment method, then the review page
    // Card needs every field; PayPal and invoice only the method radios.
    r.Fill(payment_.index, payment_.fields, chance(0.7) ? payment_.fields.size() : 1);
    r.Form(EventType::kFormSubmit, payment_.index);
    r.Wait(300, 800);
    r.Page("/checkout/review");
    r.Wait(1500, 8000);
  });
  next([&] {                            // 9. place order
    if (chance(options.frustration)) {  // a slow button invites repeated clicks
      for (int i = 0; i < 3; ++i) {
        r.Click(900, 1100, "button#place-order");
        r.Wait(200, 300);
      }
    } else {
      r.Click(900, 1100, "button#place-order");
    }
    r.Wait(400, 1200);
    r.Page("/order/" +
           std::to_string(100000 + rng() % 900000));  // the store's 6-digit order numbers
    // One or two of the product, in the currency the store pushes (checkout.js);
    // shipping is free from $100.
    const int32_t subtotal = bought.price_cents * (chance(0.15) ? 2 : 1);
    r.Purchase(subtotal + (subtotal >= kFreeShippingFromCents ? 0 : kShippingFeeCents));
    r.Wait(2000, 6000);
  });
  if (!shopping && step >= 6 && step < 8 && chance(0.6)) {
    // Filled the first fields of the form it dropped at, then left: the
    // last of them is where it gave up.
    const Form& form = step == 6 ? shipping_ : payment_;
    r.Fill(form.index, form.fields,
           std::uniform_int_distribution<size_t>(1, form.fields.size())(rng));
  }
  visit.furthest_step = step;
  r.Wait(500, 3000);
  r.Hidden();
  return visit;
}

}  // namespace microconv
