#include "core/element_names.h"

#include "core/page_pattern.h"
#include "core/summary.h"

namespace microconv {

std::string_view SentName(std::string_view name) {
  return LooksPersonal(name) ? ":id" : name.substr(0, kMaxElementNameLength);
}

int NameTable::Index(std::string_view name) {
  // A view (of `name` or a literal): a click on a known element allocates nothing.
  const std::string_view sent = SentName(name);
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == sent) return static_cast<int>(i);
  }
  if (names_.size() >= kMaxElements * 2) return -1;
  names_.push_back(std::string(sent));
  return static_cast<int>(names_.size() - 1);
}

NameTable NameTable::Restore(const wire::Summary& summary) {
  NameTable table;
  if (summary.names()) {
    for (const auto* name : *summary.names()) table.names_.push_back(name->str());
  }
  return table;
}

uint16_t SentNames::Id(uint16_t internal) {
  if (sent_[internal] < 0) {
    sent_[internal] = static_cast<int>(out_.size());
    out_.push_back(table_[internal]);
  }
  return static_cast<uint16_t>(sent_[internal]);
}

}  // namespace microconv
