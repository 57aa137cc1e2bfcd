// The sites a collector serves: one JSON config per file in --sites DIR
// (demo-site/sites/demo.json is the canonical example), compiled with the
// core's LoadConfigJson exactly as the browser will load it.
//
// Reload (SIGHUP or a changed mtime/size): a file that fails to load is
// logged with its field path and its site keeps the config it had. Every
// compiled config a site has served is kept, in memory and in the store
// (recorded before it is served, restored at start), so a visitor whose page
// loaded an older config - even before a restart - still gets its summaries
// verified against the exact config they were written with, and reports read
// them through the current one (core/config_history.h). A file removed
// from the directory keeps its site served until restart: deleting by
// mistake must not drop a site's traffic.
#ifndef MICROCONV_TOOLS_SERVE_SITE_REGISTRY_H_
#define MICROCONV_TOOLS_SERVE_SITE_REGISTRY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "tools/store/summary_store.h"

namespace microconv {

class SiteRegistry {
 public:
  // `store` (may be null: nothing kept across restarts) keeps the versions.
  explicit SiteRegistry(std::string dir, SummaryStore* store = nullptr)
      : dir_(std::move(dir)), store_(store) {}

  // Loads every *.json whose modification time or size changed since the
  // last call (every file when `force`). Returns the number of sites served.
  size_t Reload(bool force);

  // The config a site serves now, or null for an unknown site.
  std::shared_ptr<const Config> Current(std::string_view site) const;
  // The current or a kept previous config of the site with this hash.
  std::shared_ptr<const Config> Find(std::string_view site, uint32_t hash) const;
  std::vector<std::string> Sites() const;

 private:
  struct SiteEntry {
    std::shared_ptr<const Config> current;
    std::vector<std::shared_ptr<const Config>> previous;  // every earlier version
  };
  struct FileState {
    int64_t mtime_ns = 0;
    int64_t size = -1;
  };

  void LoadFile(const std::string& path, const std::string& name);

  const std::string dir_;
  SummaryStore* const store_;
  std::map<std::string, FileState> files_;     // only touched by Reload
  std::map<std::string, std::string> owners_;  // site -> file name
  mutable std::shared_mutex mutex_;            // guards sites_
  std::map<std::string, SiteEntry, std::less<>> sites_;
  std::mutex reload_mutex_;  // SIGHUP and the poller
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_SERVE_SITE_REGISTRY_H_
