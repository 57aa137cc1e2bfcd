#include "core/report_filter.h"

#include "core/flatbuffer_view.h"
#include "core/wire_ids.h"

namespace microconv {
namespace {

constexpr std::string_view kKeyHelp =
    "expected referrer, utm_source, utm_medium, utm_campaign, device, browser, os, screen, "
    "language, country, entry, page, micro or step";

constexpr std::string_view KeyName(const FilterTerm& term) {
  switch (term.key) {
    case FilterKey::kEntry:
      return "entry";
    case FilterKey::kPage:
      return "page";
    case FilterKey::kMicro:
      return "micro";
    case FilterKey::kStep:
      return "step";
    case FilterKey::kSegment:
      break;
  }
  return "";
}

// Splits on unescaped commas and unescapes `\,` and `\\`; false on a
// dangling or unknown escape.
bool SplitTerms(std::string_view text, std::vector<std::string>& terms, std::string& bad) {
  std::string current;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      if (i + 1 == text.size() || (text[i + 1] != ',' && text[i + 1] != '\\')) {
        bad = current + std::string(text.substr(i));
        return false;
      }
      current += text[++i];
    } else if (c == ',') {
      terms.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  terms.push_back(std::move(current));
  return true;
}

Result<ReportFilter> Bad(std::string_view term, std::string_view why) {
  std::string message = "filter: ";
  message += term;
  message += ": ";
  message += why;
  return {Error::kOutOfRange, std::move(message)};
}

// The index of the template whose pattern is `pattern`, or -1.
int TemplateIndex(const Config& config, std::string_view pattern) {
  const auto* templates = config.def().page_templates();
  const size_t count = SizeOf(templates);
  for (size_t i = 0; i < count; ++i) {
    if (View(templates->Get(static_cast<flatbuffers::uoffset_t>(i))) == pattern) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

int MicroIndex(const Config& config, std::string_view id) {
  const auto* micros = config.def().micros();
  const size_t count = SizeOf(micros);
  for (size_t i = 0; i < count; ++i) {
    if (View(micros->Get(static_cast<flatbuffers::uoffset_t>(i))->id()) == id) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// Whether the summary's page `stat` is the term's page.
bool IsPage(const wire::Summary& summary, const wire::PageStat& stat, const FilterTerm& term) {
  const uint16_t page = stat.page();
  if ((page & kLiteralBit) == 0) return term.index >= 0 && page == term.index;
  if (term.index >= 0) return false;
  const auto* literals = summary.literal_pages();
  const size_t literal = page & ~kLiteralBit;
  return literals != nullptr && literal < literals->size() &&
         View(literals->Get(static_cast<flatbuffers::uoffset_t>(literal))) == term.value;
}

bool DidMicro(const wire::Summary& summary, int micro) {
  if (const auto* steps = summary.path_steps()) {
    for (uint8_t id : *steps) {
      if (id == micro) return true;
    }
  }
  if (const auto* repeats = summary.repeats()) {
    for (const wire::IdCount* c : *repeats) {
      if (c->id() == micro && c->count() > 0) return true;
    }
  }
  return false;
}

bool ReachedStep(const wire::Summary& summary, int funnel, int step) {
  const auto* funnels = summary.funnels();
  if (funnels == nullptr) return false;
  for (const wire::FunnelProgress* f : *funnels) {
    if (f->funnel() != funnel) continue;
    // Excluded sessions are left out of every step figure: so here.
    return !HasFlag(f->flags(), wire::FunnelFlags::Excluded) && ((f->reached() >> step) & 1u) != 0;
  }
  return false;
}

bool TermMatches(const FilterTerm& term, const wire::Summary& summary) {
  switch (term.key) {
    case FilterKey::kSegment:
      return SessionSegmentValue(term.dimension, summary) == term.value;
    case FilterKey::kEntry:
    case FilterKey::kPage: {
      const auto* pages = summary.pages();
      if (pages == nullptr) return false;
      if (term.key == FilterKey::kEntry) {
        const size_t entry = summary.facts() != nullptr ? summary.facts()->entry_page() : 0;
        return entry < pages->size() &&
               IsPage(summary, *pages->Get(static_cast<flatbuffers::uoffset_t>(entry)), term);
      }
      for (const wire::PageStat* stat : *pages) {
        if (IsPage(summary, *stat, term)) return true;
      }
      return false;
    }
    case FilterKey::kMicro:
      return DidMicro(summary, term.index);
    case FilterKey::kStep:
      return ReachedStep(summary, term.index, term.step);
  }
  return false;
}

}  // namespace

bool ReportFilter::Matches(const wire::Summary& summary) const {
  for (const FilterTerm& term : terms_) {
    if (TermMatches(term, summary) == term.negated) return false;
  }
  return true;
}

std::string FilterTermText(const FilterTerm& term) {
  std::string text = term.negated ? "!" : "";
  text += term.key == FilterKey::kSegment ? std::string_view(BreakdownName(term.dimension))
                                          : KeyName(term);
  text += ':';
  for (char c : term.value) {
    if (c == ',' || c == '\\') text += '\\';
    text += c;
  }
  return text;
}

std::string ReportFilter::Text() const {
  std::string text;
  for (const FilterTerm& term : terms_) {
    if (!text.empty()) text += ',';
    text += FilterTermText(term);
  }
  return text;
}

Result<ReportFilter> ParseReportFilter(std::string_view text, const Config& config) {
  ReportFilter filter;
  if (text.empty()) return filter;
  if (text.size() > kMaxFilterText) {
    return {Error::kOutOfRange, "filter: at most " + std::to_string(kMaxFilterText) + " bytes"};
  }
  std::vector<std::string> parts;
  std::string bad;
  if (!SplitTerms(text, parts, bad)) return Bad(bad, "expected \\, or \\\\ after a backslash");
  if (parts.size() > kMaxFilterTerms) {
    return {Error::kOutOfRange, "filter: at most " + std::to_string(kMaxFilterTerms) + " terms"};
  }
  for (const std::string& part : parts) {
    std::string_view rest = part;
    FilterTerm term;
    if (rest.starts_with('!')) {
      term.negated = true;
      rest.remove_prefix(1);
    }
    const size_t colon = rest.find(':');
    if (rest.empty()) return Bad(part, "empty term");
    if (colon == std::string_view::npos) return Bad(part, "expected KEY:VALUE");
    const std::string_view key = rest.substr(0, colon);
    term.value = std::string(rest.substr(colon + 1));
    if (term.value.empty()) return Bad(part, "empty value");
    if (key == "entry" || key == "page") {
      term.key = key == "entry" ? FilterKey::kEntry : FilterKey::kPage;
      term.index = TemplateIndex(config, term.value);
      if (term.index < 0 && !term.value.starts_with('/')) {
        return Bad(part, "expected a page template of the config or a path starting with /");
      }
    } else if (key == "micro") {
      term.key = FilterKey::kMicro;
      term.index = MicroIndex(config, term.value);
      if (term.index < 0) return Bad(part, "unknown micro-conversion id");
    } else if (key == "step") {
      term.key = FilterKey::kStep;
      const size_t dot = term.value.rfind('.');
      if (dot == std::string::npos) return Bad(part, "expected FUNNEL.STEP, e.g. checkout.2");
      term.index = config.FindFunnel(std::string_view(term.value).substr(0, dot));
      if (term.index < 0) return Bad(part, "unknown funnel id");
      const std::string_view number = std::string_view(term.value).substr(dot + 1);
      const size_t steps = SizeOf(
          config.def().funnels()->Get(static_cast<flatbuffers::uoffset_t>(term.index))->steps());
      int step = 0;
      for (char c : number) {
        if (c < '0' || c > '9' || step > 1000) return Bad(part, "expected a step number");
        step = step * 10 + (c - '0');
      }
      if (number.empty() || step < 1 || static_cast<size_t>(step) > steps) {
        return Bad(part, "step numbers of this funnel are 1 to " + std::to_string(steps));
      }
      term.step = step - 1;
    } else {
      auto dimension = BreakdownFromName(key);
      if (!dimension.ok() || dimension.value() == Breakdown::kAll ||
          dimension.value() == Breakdown::kNone) {
        return Bad(part, std::string("unknown key (") + std::string(kKeyHelp) + ")");
      }
      term.dimension = dimension.value();
      if (!IsSegmentValue(term.dimension, term.value)) {
        return Bad(part, "not a value of " + std::string(key));
      }
    }
    filter.terms_.push_back(std::move(term));
  }
  return filter;
}

}  // namespace microconv
