#include "tools/serve/site_registry.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>

#include "core/json/config_json.h"
#include "tools/base/wall_clock.h"
#include "tools/base/zoneinfo.h"
#include "tools/serve/event_log.h"

namespace microconv {
namespace {

std::string HexHash(uint32_t hash) {
  char text[16];
  std::snprintf(text, sizeof(text), "%08x", hash);
  return text;
}

}  // namespace

size_t SiteRegistry::Reload(bool force) {
  std::lock_guard reload_lock(reload_mutex_);
  std::error_code error;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, error)) {
    if (entry.path().extension() == ".json") paths.push_back(entry.path());
  }
  if (error) LogEvent("sites: cannot list " + dir_ + ": " + error.message());
  for (const auto& path : paths) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) continue;
    FileState now{int64_t{info.st_mtim.tv_sec} * 1000000000 + info.st_mtim.tv_nsec,
                  int64_t{info.st_size}};
    const std::string name = path.filename().string();
    auto [it, inserted] = files_.try_emplace(name);
    if (!force && !inserted && it->second.mtime_ns == now.mtime_ns && it->second.size == now.size) {
      continue;
    }
    it->second = now;
    LoadFile(path.string(), name);
  }
  for (auto it = files_.begin(); it != files_.end();) {
    if (!std::filesystem::exists(std::filesystem::path(dir_) / it->first, error)) {
      LogEvent("sites: " + it->first + " removed; its site keeps its config until restart");
      it = files_.erase(it);
    } else {
      ++it;
    }
  }
  std::shared_lock lock(mutex_);
  return sites_.size();
}

void SiteRegistry::LoadFile(const std::string& path, const std::string& name) {
  std::ifstream file(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (!file.good() && !file.eof()) {
    LogEvent("sites: " + name + ": unreadable (keeping the previous config)");
    return;
  }
  auto loaded = LoadConfigJson(text);
  if (!loaded.ok()) {
    LogEvent("sites: " + name + ": " + loaded.message() + " (keeping the previous config)");
    return;
  }
  if (Status zone = AttachTimeZone(loaded.value()); !zone.ok()) {
    LogEvent("sites: " + name + ": " + zone.message + " (keeping the previous config)");
    return;
  }
  auto config = std::make_shared<const Config>(std::move(loaded).value());
  const std::string site(config->site());
  auto [owner, fresh_site] = owners_.try_emplace(site, name);
  if (!fresh_site && owner->second != name) {
    LogEvent("sites: " + name + ": site \"" + site + "\" is already defined by " + owner->second +
             " (ignored)");
    return;
  }
  {
    std::shared_lock lock(mutex_);
    auto it = sites_.find(site);
    if (it != sites_.end() && it->second.current->hash() == config->hash()) return;
  }
  // Recorded before it is served: the store knows every version a stored
  // summary can name. A site seen for the first time gets its old versions
  // back (summaries of a tab opened before a restart).
  std::vector<std::shared_ptr<const Config>> restored;
  if (store_ != nullptr) {
    if (Status recorded = store_->RecordCurrentConfig(*config, NowMs()); !recorded.ok()) {
      LogEvent("sites: " + name + ": cannot record config version: " + recorded.message);
    }
    auto versions = store_->ConfigVersions(site);
    if (versions.ok()) {
      for (const StoredConfigVersion& version : versions.value()) {
        if (version.hash == config->hash()) continue;
        auto old = Config::FromCompiled(version.compiled);
        if (old.ok()) restored.push_back(std::make_shared<const Config>(std::move(old).value()));
      }
    }
  }
  std::unique_lock lock(mutex_);
  SiteEntry& entry = sites_[site];
  if (entry.current) entry.previous.push_back(entry.current);
  for (auto& old : restored) {
    auto known = std::find_if(entry.previous.begin(), entry.previous.end(),
                              [&](const auto& c) { return c->hash() == old->hash(); });
    if (known == entry.previous.end()) entry.previous.push_back(std::move(old));
  }
  std::erase_if(entry.previous, [&](const auto& c) { return c->hash() == config->hash(); });
  entry.current = config;
  LogEvent("sites: " + name + ": serving site \"" + site + "\" with config " +
           HexHash(config->hash()));
}

std::shared_ptr<const Config> SiteRegistry::Current(std::string_view site) const {
  std::shared_lock lock(mutex_);
  auto it = sites_.find(site);
  return it == sites_.end() ? nullptr : it->second.current;
}

std::shared_ptr<const Config> SiteRegistry::Find(std::string_view site, uint32_t hash) const {
  std::shared_lock lock(mutex_);
  auto it = sites_.find(site);
  if (it == sites_.end()) return nullptr;
  if (it->second.current->hash() == hash) return it->second.current;
  for (const auto& config : it->second.previous) {
    if (config->hash() == hash) return config;
  }
  return nullptr;
}

std::vector<std::string> SiteRegistry::Sites() const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> sites;
  for (const auto& [site, entry] : sites_) sites.push_back(site);
  return sites;
}

}  // namespace microconv
