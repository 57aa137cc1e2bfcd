#include "tools/serve/site_host.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

namespace microconv {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRoutesFile = "routes.json";
constexpr const char* kNotFoundFile = "404.html";
constexpr const char* kCollectorPlaceholder = "{{MICROCONV}}";
constexpr size_t kMaxFileBytes = 64u << 20;  // the demo video is the largest file

std::string ContentType(const fs::path& file) {
  static constexpr std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".webm", "video/webm"},
      {".mp4", "video/mp4"},
      {".vtt", "text/vtt; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
  };
  const std::string extension = file.extension().string();
  for (const auto& [ext, type] : kTypes) {
    if (extension == ext) return type;
  }
  return "application/octet-stream";
}

std::optional<std::string> ReadFile(const fs::path& file) {
  std::error_code error;
  const auto size = fs::file_size(file, error);
  if (error || size > kMaxFileBytes) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void ReplaceAll(std::string& text, std::string_view from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

Result<SiteHost> SiteHost::Open(const fs::path& root, std::string collector_origin) {
  std::error_code error;
  const fs::path canonical = fs::canonical(root, error);
  if (error || !fs::is_directory(canonical)) {
    return {Error::kInvalidConfig, "site folder " + root.string() + " not found"};
  }
  const fs::path routes_path = canonical / kRoutesFile;
  auto text = ReadFile(routes_path);
  if (!text) return {Error::kInvalidConfig, "cannot read " + routes_path.string()};
  const auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("routes") ||
      !json["routes"].is_object()) {
    return {Error::kInvalidConfig, routes_path.string() + ": expected {\"routes\": {PATH: FILE}}"};
  }
  std::vector<Route> routes;
  for (const auto& [pattern, file] : json["routes"].items()) {
    const std::string where = routes_path.string() + ": routes." + pattern;
    if (pattern.empty() || pattern[0] != '/')
      return {Error::kInvalidConfig, where + ": must start with /"};
    if (!file.is_string()) return {Error::kInvalidConfig, where + ": expected a file name"};
    Route route;
    route.prefix = pattern.back() == '*';
    route.pattern = route.prefix ? pattern.substr(0, pattern.size() - 1) : pattern;
    route.file = file.get<std::string>();
    if (!fs::is_regular_file(canonical / route.file, error)) {
      return {Error::kInvalidConfig, where + ": " + route.file + " not found"};
    }
    routes.push_back(std::move(route));
  }
  // Exact routes first, then prefixes longest first: the most specific wins.
  std::stable_sort(routes.begin(), routes.end(), [](const Route& a, const Route& b) {
    if (a.prefix != b.prefix) return !a.prefix;
    return a.pattern.size() > b.pattern.size();
  });
  while (!collector_origin.empty() && collector_origin.back() == '/') collector_origin.pop_back();
  return SiteHost(canonical, std::move(collector_origin), std::move(routes));
}

const SiteHost::Route* SiteHost::Match(const std::string& path) const {
  for (const Route& route : routes_) {
    if (route.prefix ? path.starts_with(route.pattern) : path == route.pattern) return &route;
  }
  return nullptr;
}

std::optional<fs::path> SiteHost::FileUnderRoot(const std::string& relative) const {
  // Refuse anything that could leave the folder or reach hidden files
  // before touching the file system; canonical() then resolves symlinks.
  if (relative.empty() || relative.find('\0') != std::string::npos) return std::nullopt;
  for (const auto& part : fs::path(relative)) {
    if (part == ".." || part.string().starts_with('.')) return std::nullopt;
  }
  std::error_code error;
  const fs::path file = fs::canonical(root_ / relative, error);
  if (error || !fs::is_regular_file(file, error)) return std::nullopt;
  const auto [root_end, unused] =
      std::mismatch(root_.begin(), root_.end(), file.begin(), file.end());
  if (root_end != root_.end()) return std::nullopt;
  return file;
}

HostedFile SiteHost::Load(const fs::path& file, int status) const {
  auto body = ReadFile(file);
  if (!body) return {"cannot read file", "text/plain; charset=utf-8", 500, false};
  HostedFile hosted{std::move(*body), ContentType(file), status, file.extension() != ".html"};
  if (file.extension() == ".html")
    ReplaceAll(hosted.body, kCollectorPlaceholder, collector_origin_);
  return hosted;
}

HostedFile SiteHost::Serve(const std::string& path) const {
  if (const Route* route = Match(path)) {
    if (auto file = FileUnderRoot(route->file)) return Load(*file, 200);
  }
  const std::string relative = path.size() > 1 ? path.substr(1) : std::string();
  if (!relative.empty() && relative != kRoutesFile) {
    if (auto file = FileUnderRoot(relative)) return Load(*file, 200);
  }
  if (auto file = FileUnderRoot(kNotFoundFile)) return Load(*file, 404);
  return {"not found", "text/plain; charset=utf-8", 404, false};
}

}  // namespace microconv
