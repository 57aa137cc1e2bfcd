// The strings a session keeps once and refers to by index: element paths
// (frustration) and names of unconfigured form fields. Only names that
// something in the summary refers to are sent (SentNames).
#ifndef MICROCONV_CORE_ELEMENT_NAMES_H_
#define MICROCONV_CORE_ELEMENT_NAMES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema/summary_generated.h"

namespace microconv {

// `name` as a summary may carry it: ":id" when it LooksPersonal
// (core/page_pattern.h), else cut to kMaxElementNameLength. The tracker
// already names an element whose id looks personal by its position
// (web/tracker/element_path.js), so its paths pass whole; this holds for
// any page or tracker, and for form field names.
std::string_view SentName(std::string_view name);

class NameTable {
 public:
  // The index of SentName(name), added when new; -1 once the table is full.
  int Index(std::string_view name);
  const std::string& operator[](size_t index) const { return names_[index]; }
  size_t size() const noexcept { return names_.size(); }

  // A restored table is the summary's `names`: what was sent is all there is.
  static NameTable Restore(const wire::Summary& summary);

 private:
  std::vector<std::string> names_;
};

// Numbers the names a summary refers to in first-use order and appends them
// to its `names`.
class SentNames {
 public:
  SentNames(const NameTable& table, std::vector<std::string>& out)
      : table_(table), out_(out), sent_(table.size(), -1) {}
  uint16_t Id(uint16_t internal);

 private:
  const NameTable& table_;
  std::vector<std::string>& out_;
  std::vector<int> sent_;
};

}  // namespace microconv

#endif  // MICROCONV_CORE_ELEMENT_NAMES_H_
