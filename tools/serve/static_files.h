// The collector's static files: the tracker (loader, lazily loaded chunk,
// core glue, Wasm, no-Wasm fallback), the dashboard and the compiled site
// configs. Everything is read and compressed before it is served, never per
// request: files come with the `.br`/`.gz` twins web/build.mjs writes next to
// them and are loaded into memory at start (so a request path is only ever a
// key in a map, never a file-system path); a compiled config is compressed
// once per config version.
//
// Headers (issue 11): the variant is chosen by Accept-Encoding (br > gzip >
// identity, q-values honoured, `Vary: Accept-Encoding`); content-hashed names
// (`stem.HASH.ext`, see kContentHashDigits) are immutable for a year;
// everything else carries a strong ETag per variant and answers
// If-None-Match with 304; `X-Content-Type-Options: nosniff` on everything.
#ifndef MICROCONV_TOOLS_SERVE_STATIC_FILES_H_
#define MICROCONV_TOOLS_SERVE_STATIC_FILES_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "tools/serve/http_server.h"

namespace microconv {

// Hex digits of the content hash web/build.mjs puts into the names of the
// lazily loaded files (`microconv-tracker.01234567.js`); it writes the
// same count (kHashDigits there). 32 bits tell a file's versions apart
// (a clash needs ~65,000 versions of one name); every further digit is
// paid in every visitor's download, the names being in the loader and chunk.
inline constexpr int kContentHashDigits = 8;

enum class ContentCoding { kIdentity, kGzip, kBrotli };

// The coding to answer with for an Accept-Encoding header (RFC 9110 12.5.3):
// the best of br > gzip > identity that the header accepts (q > 0) and that
// is available (unlisted identity ranks last); identity also when the
// header refuses everything on offer.
ContentCoding ChooseCoding(std::string_view accept_encoding, bool have_gzip, bool have_brotli);

// One body in every coding it is served in, and the headers it goes with.
struct StaticAsset {
  std::string content_type;
  std::string cache_control;
  std::string etag;           // strong, of the identity bytes; variants add a suffix
  bool cross_origin = false;  // Access-Control-Allow-Origin: * (sites' pages fetch it)
  std::string identity;
  std::string gzip;    // empty: not available
  std::string brotli;  // empty: not available
};

// Content-Type from a file name's extension (application/octet-stream when
// unknown).
std::string ContentTypeOf(std::string_view file_name);

// true for `stem.HASH.ext` names (HASH: kContentHashDigits lowercase hex).
bool IsContentHashed(std::string_view file_name);

// Strong validator of some bytes (64-bit FNV-1a, quoted hex).
std::string StrongEtag(std::span<const uint8_t> bytes);

// An asset for bytes made at run time, compressed here once (gzip 9,
// brotli 11); a variant that does not save bytes is left out.
std::shared_ptr<const StaticAsset> CompressedAsset(std::span<const uint8_t> bytes,
                                                   std::string content_type,
                                                   std::string cache_control, std::string etag,
                                                   bool cross_origin);

// Answers `req` from `asset`: 304 when If-None-Match names the chosen
// variant, else the variant's bytes with their headers (final: the server
// compresses nothing itself).
void ServeAsset(const StaticAsset& asset, const Request& req, Response& res);

// Static files by URL path, loaded at start.
class StaticFiles {
 public:
  // Loads the regular files directly in `dir` (not its subdirectories) as
  // `url_prefix + name` (url_prefix ends with '/'), with their `.br`/`.gz`
  // twins. Returns how many files were loaded (0 when `dir` is unreadable).
  int AddDirectory(const std::string& url_prefix, const std::filesystem::path& dir,
                   bool cross_origin);

  // Answers a GET/HEAD: 400 for a path that cannot name a file ("..",
  // NUL and other control bytes, backslashes, ...), 301 from "/dir" to
  // "/dir/", "/dir/" as "/dir/index.html", 404 when unknown.
  void Serve(const Request& req, Response& res) const;

  // The file loaded as `url_path`, or null.
  const StaticAsset* Find(std::string_view url_path) const;

 private:
  std::map<std::string, StaticAsset, std::less<>> assets_;
};

// Compressed configs (or other run-time bodies) by key, remade only when
// their version changes.
class AssetCache {
 public:
  // The cached asset for `key` if it was made for `version`, else `make()`'s,
  // kept.
  template <typename Make>
  std::shared_ptr<const StaticAsset> Get(const std::string& key, const std::string& version,
                                         Make make) {
    {
      std::lock_guard lock(mutex_);
      auto found = assets_.find(key);
      if (found != assets_.end() && found->second.first == version) return found->second.second;
    }
    // Compressed outside the lock; two racing requests both compress once.
    std::shared_ptr<const StaticAsset> made = make();
    std::lock_guard lock(mutex_);
    assets_[key] = {version, made};
    return made;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::pair<std::string, std::shared_ptr<const StaticAsset>>> assets_;
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_SERVE_STATIC_FILES_H_
