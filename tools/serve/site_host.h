// SiteHost: serves a static demo site (the demo store) on its own origin, so
// the demo runs like a real deployment: the site on one origin, the
// collector (tracker, API, dashboard) on another.
//
// A site folder holds its files and `routes.json`:
//   {"routes": {"/": "index.html", "/product/*": "product.html"}}
// A request path is answered by its route (exact key, else the longest key
// ending in `*` that prefixes it), else by the file at that path under the
// folder, else by `404.html` with status 404. In `.html` files
// `{{MICROCONV}}` becomes the collector origin, so pages carry the one
// script tag a site owner would paste.
#ifndef MICROCONV_TOOLS_SERVE_SITE_HOST_H_
#define MICROCONV_TOOLS_SERVE_SITE_HOST_H_

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace microconv {

struct HostedFile {
  std::string body;
  std::string content_type;
  int status = 200;
  bool cacheable = false;  // assets may be cached; pages are always fresh
};

class SiteHost {
 public:
  // Reads and checks `root`/routes.json: every route names an existing file.
  static Result<SiteHost> Open(const std::filesystem::path& root, std::string collector_origin);

  // The response for a request path (already percent-decoded by the server).
  HostedFile Serve(const std::string& path) const;

 private:
  struct Route {
    std::string pattern;  // without the trailing '*' when `prefix`
    bool prefix = false;
    std::string file;  // relative to root_
  };

  SiteHost(std::filesystem::path root, std::string collector_origin, std::vector<Route> routes)
      : root_(std::move(root)),
        collector_origin_(std::move(collector_origin)),
        routes_(std::move(routes)) {}

  const Route* Match(const std::string& path) const;
  std::optional<std::filesystem::path> FileUnderRoot(const std::string& relative) const;
  HostedFile Load(const std::filesystem::path& file, int status) const;

  std::filesystem::path root_;  // canonical
  std::string collector_origin_;
  std::vector<Route> routes_;  // prefix routes longest first
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_SERVE_SITE_HOST_H_
