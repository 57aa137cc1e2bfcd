// `microconv_simulated_touches [VISITS] [SEED]`: every page, element,
// configured selector, form and field the demo traffic simulator's visitors
// touch, read back from the event streams it generates, as JSON on stdout:
// {"pages":[{"page":"/cart","touches":[{"kind":"click","target":"a#..."},
// ...]}]} (pages and touches in first-seen order, each once). The e2e test
// tests/e2e/demo_simulation.test.mjs checks each one against the demo store
// in a browser, so the demo data cannot invent an element.
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/json/config_json.h"
#include "core/json_writer.h"
#include "tests/support/event_stream.h"
#include "tools/cli/journey_model.h"

namespace microconv {
namespace {

struct Touch {
  std::string kind, target, element;
  bool operator==(const Touch&) const = default;
};

struct PageTouches {
  std::string page;
  std::vector<Touch> touches;
};

std::string_view Name(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* list,
                      size_t i) {
  return list && i < list->size() ? list->Get(static_cast<flatbuffers::uoffset_t>(i))->string_view()
                                  : std::string_view("(missing)");
}

std::string FormSelector(const Config& config, size_t form) {
  const auto* forms = config.def().forms();
  return forms && form < forms->size()
             ? std::string(
                   forms->Get(static_cast<flatbuffers::uoffset_t>(form))->selector()->string_view())
             : "(missing form)";
}

void Collect(const Config& config, const SimulatedVisit& visit, std::vector<PageTouches>& pages) {
  PageTouches* current = nullptr;
  std::string last_click;
  auto add = [&](Touch touch) {
    if (!current) return;
    for (const Touch& seen : current->touches) {
      if (seen == touch) return;
    }
    current->touches.push_back(std::move(touch));
  };
  const auto& def = config.def();
  for (const Event& event : visit.events) {
    const std::string text =
        event.str < visit.string_views.size() ? std::string(visit.string_views[event.str]) : "";
    switch (event.type) {
      case EventType::kPageView: {
        const std::string page = text.substr(0, text.find('?'));
        current = nullptr;
        for (PageTouches& known : pages) {
          if (known.page == page) current = &known;
        }
        if (!current) current = &pages.emplace_back(PageTouches{page, {}});
        last_click.clear();
        break;
      }
      case EventType::kClick:
        last_click = text;
        add({"click", text, ""});
        break;
      case EventType::kDeadClick:
        add({"click", text, ""});
        break;
      case EventType::kSelectorMatch:
        add({"selector", std::string(Name(def.click_selectors(), event.a)), last_click});
        break;
      case EventType::kFormStart:
      case EventType::kFormSubmit:
        add({"form", FormSelector(config, event.a), ""});
        break;
      case EventType::kFieldFocus:
      case EventType::kFieldChange:
      case EventType::kFieldBlur:
        add({"field", text, FormSelector(config, event.a)});
        break;
      case EventType::kElementVisible:
        add({"visible", std::string(Name(def.visibility_selectors(), event.a)), ""});
        break;
      case EventType::kMedia:
        add({"media", std::string(Name(def.media_selectors(), event.a)), ""});
        break;
      default:
        break;
    }
  }
}

int Main(int argc, char** argv) {
  const int visits = argc > 1 ? std::atoi(argv[1]) : 2000;
  std::mt19937_64 rng(argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1);
  auto config = LoadConfigJson(
      testing::ReadFileOrEmpty(std::string(MICROCONV_SOURCE_DIR) + "/demo-site/sites/demo.json"));
  if (!config.ok()) {
    std::fprintf(stderr, "demo config: %s\n", config.message().c_str());
    return 1;
  }
  auto model = JourneyModel::ForDemoStore(config.value());
  if (!model.ok()) {
    std::fprintf(stderr, "journey model: %s\n", model.message().c_str());
    return 1;
  }
  std::vector<PageTouches> pages;
  for (int i = 0; i < visits; ++i)
    Collect(config.value(), model.value().Next(rng, JourneyOptions{}), pages);
  std::string out = "{\"pages\":[";
  for (size_t p = 0; p < pages.size(); ++p) {
    out += p ? ",\n" : "\n";
    out += "{\"page\":";
    AppendJsonString(pages[p].page, out);
    out += ",\"touches\":[";
    for (size_t t = 0; t < pages[p].touches.size(); ++t) {
      const Touch& touch = pages[p].touches[t];
      out += t ? "," : "";
      out += "{\"kind\":";
      AppendJsonString(touch.kind, out);
      out += ",\"target\":";
      AppendJsonString(touch.target, out);
      out += ",\"element\":";
      AppendJsonString(touch.element, out);
      out += "}";
    }
    out += "]}";
  }
  out += "\n]}\n";
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace
}  // namespace microconv

int main(int argc, char** argv) { return microconv::Main(argc, argv); }
