#include "core/report_compare.h"

#include <algorithm>

namespace microconv {
namespace {

// Builds figures of one pair of periods: counts per day, rates of trials.
class Comparer {
 public:
  Comparer(uint32_t current_days, uint32_t previous_days)
      : current_days_(current_days), previous_days_(previous_days) {}

  ComparedFigure Count(std::string name, bool suppressed, uint64_t current,
                       uint64_t previous) const {
    ComparedFigure f = Base(std::move(name), ChangeMethod::kPoisson, suppressed,
                            static_cast<double>(current), static_cast<double>(previous));
    if (!f.suppressed) f.test = PoissonRateTest(current, current_days_, previous, previous_days_);
    return f;
  }
  ComparedFigure Rate(std::string name, bool suppressed, uint64_t successes1, uint64_t trials1,
                      uint64_t successes2, uint64_t trials2) const {
    ComparedFigure f = Base(std::move(name), ChangeMethod::kTwoProportionZ, suppressed,
                            Ratio(successes1, trials1), Ratio(successes2, trials2));
    if (!f.suppressed) f.test = TwoProportionZTest(successes1, trials1, successes2, trials2);
    return f;
  }
  static ComparedFigure Shown(std::string name, bool suppressed, double current, double previous) {
    return Base(std::move(name), ChangeMethod::kNone, suppressed, current, previous);
  }

 private:
  static ComparedFigure Base(std::string name, ChangeMethod method, bool suppressed, double current,
                             double previous) {
    ComparedFigure f;
    f.name = std::move(name);
    f.method = method;
    f.suppressed = suppressed;
    if (!suppressed) {
      f.current = current;
      f.previous = previous;
      f.change = current - previous;
    }
    return f;
  }
  double current_days_;
  double previous_days_;
};

void CompareFunnel(const Comparer& c, const FunnelReport& now, const FunnelReport& then,
                   ComparedFunnel& out) {
  const bool hidden = now.suppressed || then.suppressed;
  out.figures.push_back(c.Count("entered", hidden, now.entered, then.entered));
  out.figures.push_back(c.Count("conversions", hidden, now.conversions, then.conversions));
  out.figures.push_back(c.Rate("conversion_rate", hidden, now.conversions, now.entered,
                               then.conversions, then.entered));
  const size_t steps = std::min(now.steps.size(), then.steps.size());
  for (size_t s = 0; s < steps; ++s) {
    const FunnelStepRow& a = now.steps[s];
    const FunnelStepRow& b = then.steps[s];
    const bool step_hidden = hidden || a.suppressed || b.suppressed;
    ComparedStep step;
    step.label = a.label;
    step.reached = c.Count("reached", step_hidden, a.reached, b.reached);
    step.from_start =
        c.Rate("from_start", step_hidden, a.reached, now.entered, b.reached, then.entered);
    out.steps.push_back(std::move(step));
  }
}

}  // namespace

ReportComparison CompareReports(const Report& current, uint32_t current_days,
                                const Report& previous, uint32_t previous_from,
                                uint32_t previous_to) {
  ReportComparison out;
  out.from = DateOfDay(previous_from);
  out.to = DateOfDay(previous_to);
  out.days = previous_to - previous_from + 1;
  const Comparer c(current_days, out.days);
  const Engagement& a = current.engagement;
  const Engagement& b = previous.engagement;
  const bool hidden = a.suppressed || b.suppressed;
  out.kpis.push_back(c.Count("sessions", hidden, a.sessions, b.sessions));
  out.kpis.push_back(c.Count("converters", hidden, a.converters, b.converters));
  out.kpis.push_back(
      c.Rate("conversion_rate", hidden, a.converters, a.sessions, b.converters, b.sessions));
  out.kpis.push_back(c.Count("page_views", hidden, a.page_views, b.page_views));
  out.kpis.push_back(
      Comparer::Shown("pages_per_session", hidden, a.pages_per_session, b.pages_per_session));
  out.kpis.push_back(c.Rate("bounce_rate", hidden, a.bounces, a.sessions, b.bounces, b.sessions));
  out.kpis.push_back(
      Comparer::Shown("median_active_s", hidden, a.median_active_ds / 10, b.median_active_ds / 10));
  out.kpis.push_back(c.Count("rage_clicks", hidden, a.rage_clicks, b.rage_clicks));
  const bool revenue_hidden = current.revenue.suppressed || previous.revenue.suppressed;
  out.kpis.push_back(
      c.Count("orders", revenue_hidden, current.revenue.orders, previous.revenue.orders));
  out.kpis.push_back(Comparer::Shown("revenue_cents", revenue_hidden,
                                     static_cast<double>(current.revenue.revenue_cents),
                                     static_cast<double>(previous.revenue.revenue_cents)));
  for (const FunnelReport& now : current.funnels) {
    auto then = std::find_if(previous.funnels.begin(), previous.funnels.end(),
                             [&](const FunnelReport& f) { return f.id == now.id; });
    if (then == previous.funnels.end()) continue;
    ComparedFunnel funnel;
    funnel.id = now.id;
    CompareFunnel(c, now, *then, funnel);
    out.funnels.push_back(std::move(funnel));
  }
  out.series = previous.days;
  return out;
}

const char* ChangeMethodName(ChangeMethod method) noexcept {
  switch (method) {
    case ChangeMethod::kPoisson:
      return "poisson";
    case ChangeMethod::kTwoProportionZ:
      return "two_proportion_z";
    case ChangeMethod::kNone:
      break;
  }
  return "none";
}

}  // namespace microconv
