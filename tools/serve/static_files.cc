#include "tools/serve/static_files.h"

#include <brotli/encode.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <system_error>

#include "tools/serve/event_log.h"

namespace microconv {
namespace {

namespace fs = std::filesystem;

constexpr const char* kImmutable = "public, max-age=31536000, immutable";
// Names that keep their URL (the loader, pages): cached, but revalidated on
// every use, so a new build reaches every visitor at once (the hashed files
// an old loader names are gone after a rebuild).
constexpr const char* kRevalidate = "no-cache";

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// The q-value of one Accept-Encoding element ("gzip;q=0.5"): 1 when absent,
// 0 when malformed ("q =0", "q", "q=abc": a coding the client may not
// accept is not sent).
double QValue(std::string_view parameters) {
  while (!parameters.empty()) {
    const size_t semicolon = parameters.find(';');
    const std::string_view parameter = Trim(parameters.substr(0, semicolon));
    parameters = semicolon == std::string_view::npos ? "" : parameters.substr(semicolon + 1);
    const size_t equals = parameter.find('=');
    if (!EqualsIgnoreCase(Trim(parameter.substr(0, equals)), "q")) continue;
    if (equals != 1) return 0;  // "q =0", or no value at all
    const std::string value(parameter.substr(2));
    char* end = nullptr;
    const double q = std::strtod(value.c_str(), &end);
    if (end != value.c_str() + value.size() || !(q >= 0) || q > 1) return 0;
    return q;
  }
  return 1;
}

std::string ReadFile(const fs::path& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ok = !in.bad();
  return bytes;
}

// A twin written before the file it compresses is from an older build.
std::string ReadTwin(const fs::path& file, const char* suffix) {
  fs::path twin = file;
  twin += suffix;
  std::error_code error;
  if (!fs::is_regular_file(twin, error)) return "";
  if (fs::last_write_time(twin, error) < fs::last_write_time(file, error)) return "";
  bool ok = false;
  std::string bytes = ReadFile(twin, ok);
  return ok ? bytes : "";
}

std::string Gzip(std::span<const uint8_t> bytes) {
  z_stream stream{};
  // 15 window bits + 16: a gzip header instead of zlib's.
  if (deflateInit2(&stream, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) return "";
  std::string out(deflateBound(&stream, bytes.size()), '\0');
  stream.next_in = const_cast<Bytef*>(bytes.data());
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const bool done = deflate(&stream, Z_FINISH) == Z_STREAM_END;
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return done ? out : "";
}

std::string Brotli(std::span<const uint8_t> bytes) {
  size_t size = BrotliEncoderMaxCompressedSize(bytes.size());
  if (size == 0) return "";
  std::string out(size, '\0');
  if (!BrotliEncoderCompress(BROTLI_MAX_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC,
                             bytes.size(), bytes.data(), &size,
                             reinterpret_cast<uint8_t*>(out.data()))) {
    return "";
  }
  out.resize(size);
  return out;
}

// The validator of one variant: the identity ETag with a coding suffix, so
// each representation has its own strong ETag.
std::string VariantEtag(const std::string& etag, ContentCoding coding) {
  if (coding == ContentCoding::kIdentity || etag.size() < 2) return etag;
  std::string variant = etag.substr(0, etag.size() - 1);
  variant += coding == ContentCoding::kBrotli ? "-br\"" : "-gz\"";
  return variant;
}

// If-None-Match (weak comparison, RFC 9110 13.1.2): "*" or any listed tag.
bool NoneMatchHits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view tag = Trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? "" : header.substr(comma + 1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

// A URL path that can only name a loaded file: letters, digits, '.', '-',
// '_', '~' and single '/' separators, no segment starting with '.' (so no
// "..", no dotfiles). The server has already percent-decoded it, so "%00" and
// "%2e%2e" arrive here as NUL and "..".
bool PlainPath(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  char previous = '\0';
  for (const char c : path) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '-' || c == '_' || c == '~' || c == '/';
    if (!plain) return false;
    if (previous == '/' && (c == '/' || c == '.')) return false;
    previous = c;
  }
  return true;
}

}  // namespace

ContentCoding ChooseCoding(std::string_view accept_encoding, bool have_gzip, bool have_brotli) {
  // -1: not listed.
  double brotli = -1, gzip = -1, identity = -1, any = -1;
  std::string_view rest = accept_encoding;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view element = Trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
    const size_t semicolon = element.find(';');
    const std::string_view coding = Trim(element.substr(0, semicolon));
    const double q =
        semicolon == std::string_view::npos ? 1 : QValue(element.substr(semicolon + 1));
    if (EqualsIgnoreCase(coding, "br")) {
      brotli = q;
    } else if (EqualsIgnoreCase(coding, "gzip") || EqualsIgnoreCase(coding, "x-gzip")) {
      gzip = q;
    } else if (EqualsIgnoreCase(coding, "identity")) {
      identity = q;
    } else if (coding == "*") {
      any = q;
    }
  }
  const auto resolve = [any](double listed, double otherwise) {
    return listed >= 0 ? listed : any >= 0 ? any : otherwise;
  };
  const double q_brotli = have_brotli ? resolve(brotli, 0) : 0;
  const double q_gzip = have_gzip ? resolve(gzip, 0) : 0;
  // Unlisted identity is acceptable but the last choice: "gzip;q=0.2"
  // still asks for gzip.
  const double q_identity = resolve(identity, 0.001);
  // Ties go to the smaller variant.
  if (q_brotli > 0 && q_brotli >= q_gzip && q_brotli >= q_identity) return ContentCoding::kBrotli;
  if (q_gzip > 0 && q_gzip >= q_identity) return ContentCoding::kGzip;
  return ContentCoding::kIdentity;
}

std::string ContentTypeOf(std::string_view file_name) {
  struct Type {
    std::string_view extension;
    const char* content_type;
  };
  static constexpr Type kTypes[] = {
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".wasm", "application/wasm"},
      {".css", "text/css; charset=utf-8"},
      {".html", "text/html; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      // A compiled site config (FlatBuffers bytes): no registered type.
      {".mcc", "application/octet-stream"},
  };
  for (const Type& type : kTypes) {
    if (EndsWith(file_name, type.extension)) return type.content_type;
  }
  return "application/octet-stream";
}

bool IsContentHashed(std::string_view file_name) {
  const size_t last = file_name.rfind('.');
  // At least one stem character before ".HASH".
  if (last == std::string_view::npos || last < kContentHashDigits + 2) return false;
  const size_t hash = last - kContentHashDigits;
  if (file_name[hash - 1] != '.') return false;
  return std::all_of(file_name.begin() + hash, file_name.begin() + last,
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string StrongEtag(std::span<const uint8_t> bytes) {
  uint64_t hash = 0xcbf29ce484222325u;
  for (const uint8_t byte : bytes) hash = (hash ^ byte) * 0x100000001b3u;
  char text[24];
  std::snprintf(text, sizeof(text), "\"%016llx\"", static_cast<unsigned long long>(hash));
  return text;
}

std::shared_ptr<const StaticAsset> CompressedAsset(std::span<const uint8_t> bytes,
                                                   std::string content_type,
                                                   std::string cache_control, std::string etag,
                                                   bool cross_origin) {
  auto asset = std::make_shared<StaticAsset>();
  asset->content_type = std::move(content_type);
  asset->cache_control = std::move(cache_control);
  asset->etag = std::move(etag);
  asset->cross_origin = cross_origin;
  asset->identity.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  asset->gzip = Gzip(bytes);
  asset->brotli = Brotli(bytes);
  if (asset->gzip.size() >= bytes.size()) asset->gzip.clear();
  if (asset->brotli.size() >= bytes.size()) asset->brotli.clear();
  return asset;
}

void ServeAsset(const StaticAsset& asset, const Request& req, Response& res) {
  const ContentCoding coding =
      // Repeated header lines are one comma-separated list (RFC 9110 5.3).
      ChooseCoding(req.HeaderValues("Accept-Encoding"), !asset.gzip.empty(), !asset.brotli.empty());
  const std::string etag = VariantEtag(asset.etag, coding);
  if (!res.HasHeader("X-Content-Type-Options")) {
    res.SetHeader("X-Content-Type-Options", "nosniff");
  }
  res.SetHeader("Cache-Control", asset.cache_control);
  res.SetHeader("ETag", etag);
  res.SetHeader("Vary", "Accept-Encoding");
  if (asset.cross_origin) res.SetHeader("Access-Control-Allow-Origin", "*");
  if (NoneMatchHits(req.HeaderValues("If-None-Match"), etag)) {
    res.status = 304;
    return;
  }
  const std::string* body = &asset.identity;
  if (coding == ContentCoding::kBrotli) {
    body = &asset.brotli;
    res.SetHeader("Content-Encoding", "br");
  } else if (coding == ContentCoding::kGzip) {
    body = &asset.gzip;
    res.SetHeader("Content-Encoding", "gzip");
  }
  res.SetContent(*body, asset.content_type);
}

int StaticFiles::AddDirectory(const std::string& url_prefix, const fs::path& dir,
                              bool cross_origin) {
  std::error_code error;
  int loaded = 0;
  std::string untwinned;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file(error) || name.starts_with('.')) continue;
    // A twin is served as its file's variant, not under its own name.
    if (EndsWith(name, ".br") || EndsWith(name, ".gz")) {
      if (fs::is_regular_file(dir / name.substr(0, name.size() - 3), error)) continue;
    }
    bool ok = false;
    StaticAsset asset;
    asset.identity = ReadFile(entry.path(), ok);
    if (!ok) continue;
    asset.content_type = ContentTypeOf(name);
    asset.cache_control = IsContentHashed(name) ? kImmutable : kRevalidate;
    asset.etag = StrongEtag(
        std::span(reinterpret_cast<const uint8_t*>(asset.identity.data()), asset.identity.size()));
    asset.cross_origin = cross_origin;
    asset.gzip = ReadTwin(entry.path(), ".gz");
    asset.brotli = ReadTwin(entry.path(), ".br");
    // web/build.mjs twins every file; one without a fresh pair is from a
    // partial or older build, and goes out uncompressed until rebuilt.
    if (asset.gzip.empty() || asset.brotli.empty())
      untwinned += (untwinned.empty() ? "" : ", ") + name;
    assets_[url_prefix + name] = std::move(asset);
    ++loaded;
  }
  if (!untwinned.empty()) {
    LogEvent(
        "serve: no fresh .br/.gz twin (served uncompressed to those clients; run web/build.mjs): " +
        (dir / "").string() + " " + untwinned);
  }
  return loaded;
}

const StaticAsset* StaticFiles::Find(std::string_view url_path) const {
  const auto found = assets_.find(url_path);
  return found == assets_.end() ? nullptr : &found->second;
}

void StaticFiles::Serve(const Request& req, Response& res) const {
  const std::string& path = req.path;
  res.SetHeader("X-Content-Type-Options", "nosniff");
  if (!PlainPath(path)) {
    res.status = 400;
    res.SetContent("bad_path", "text/plain");
    return;
  }
  const std::string key = path.ends_with('/') ? path + "index.html" : path;
  if (const StaticAsset* asset = Find(key)) return ServeAsset(*asset, req, res);
  if (!path.ends_with('/') && assets_.contains(path + "/index.html")) {
    // With its query: the dashboard's view lives there (a bookmarked
    // "/dashboard?site=demo&from=..." keeps it).
    const size_t query = req.target.find('?');
    res.Redirect(path + "/" + (query == std::string::npos ? "" : req.target.substr(query)), 301);
    return;
  }
  res.status = 404;
}

}  // namespace microconv
