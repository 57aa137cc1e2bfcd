// The sites a collector serves: one JSON config per file in --sites DIR
// (demo-site/sites/demo.json is the canonical example), compiled with the
// core's LoadConfigJson exactly as the browser will load it.
//
// Reload (SIGHUP or a changed mtime/size): a file that fails to load is
// logged with its field path and its site keeps the config it had. The
// compiled configs a site had before are kept (the last kMaxPreviousConfigs),
// so a visitor whose page loaded an older config still gets its summaries
// verified against the exact config they were written with. A file removed
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

namespace microconv {

inline constexpr size_t kMaxPreviousConfigs = 16;

class SiteRegistry {
 public:
  explicit SiteRegistry(std::string dir) : dir_(std::move(dir)) {}

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
    std::vector<std::shared_ptr<const Config>> previous;  // newest first
  };
  struct FileState {
    int64_t mtime_ns = 0;
    int64_t size = -1;
  };

  void LoadFile(const std::string& path, const std::string& name);

  const std::string dir_;
  std::map<std::string, FileState> files_;     // only touched by Reload
  std::map<std::string, std::string> owners_;  // site -> file name
  mutable std::shared_mutex mutex_;            // guards sites_
  std::map<std::string, SiteEntry, std::less<>> sites_;
  std::mutex reload_mutex_;  // SIGHUP and the poller
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_SERVE_SITE_REGISTRY_H_
