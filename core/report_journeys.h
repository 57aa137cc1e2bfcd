// The report's journey section (journey scope, core/journey.h): funnels by
// journeys rather than visits, visits to convert and days to convert, from
// the Aggregate's journey figures. k-anonymity as every other cell: a count
// of 1..k-1 journeys keeps its label, is marked suppressed and reads 0.
#ifndef MICROCONV_CORE_REPORT_JOURNEYS_H_
#define MICROCONV_CORE_REPORT_JOURNEYS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/aggregate.h"
#include "core/config.h"

namespace microconv {

// A count of journeys (or visits) under one value: a step, a visit index,
// a number of days.
struct JourneyCount {
  uint32_t value = 0;
  std::string label;  // steps only
  bool suppressed = false;
  uint64_t journeys = 0;
};

struct JourneyFunnel {
  std::string id;
  std::string label;
  // Journeys that first reached each step, every step in config order.
  std::vector<JourneyCount> steps;
  JourneyCount converted;  // journeys that converted
  // Converted journeys by the index of the converting visit (8: 8 or more)
  // and by whole days since the journey's first visit; values with any.
  std::vector<JourneyCount> visits_to_convert;
  std::vector<JourneyCount> days_to_convert;
};

struct JourneyReport {
  uint64_t visits = 0;  // journey-scope visits; 0: the range has none
  // 1..k-1 visits: the count is withheld like any cell under k (the other
  // counts are each suppressed on their own; without this the total showed
  // a handful of visits whose journeys were hidden).
  bool visits_suppressed = false;
  JourneyCount started;  // visits with index 1
  std::vector<JourneyCount> visits_by_index;
  std::vector<JourneyFunnel> funnels;
};

// Empty (visits 0) when the aggregate holds no journey-scope visit.
JourneyReport BuildJourneyReport(const Aggregate& aggregate, const Config& config, uint64_t k);

}  // namespace microconv

#endif  // MICROCONV_CORE_REPORT_JOURNEYS_H_
