// The collector's static files (tools/serve/static_files.h) through the real
// `microconv serve` on a --web folder this test writes: twins served as they
// are, nothing compressed per request, stale twins ignored, ETag/304, cache
// headers, refused paths. tests/e2e/static_serving.test.mjs does the same
// against the real web/dist in a browser's shoes.
#include "tools/serve/static_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/integration/raw_connection.h"
#include "tests/integration/server_process.h"

namespace microconv {
namespace {

namespace fs = std::filesystem;
using testing::RawConnection;
using testing::ServerDir;
using testing::ServerProcess;

constexpr const char* kChunk = "/microconv-tracker.0123abcd.js";

void Write(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path web = fs::path(dir_.path()) / "web";
    fs::create_directories(web / "dashboard");
    // Compressible text: httplib would compress it per request if let.
    loader_ = "/* loader */ " + std::string(2000, 'a');
    Write(web / "microconv.js", loader_);
    Write(web / "microconv.js.br", "loader-br-twin");
    Write(web / "microconv.js.gz", "loader-gz-twin");
    chunk_ = "export const chunk = 1; " + std::string(2000, 'b');
    Write(web / (kChunk + 1), chunk_);
    Write(web / (std::string(kChunk + 1) + ".br"), "chunk-br-twin");
    Write(web / (std::string(kChunk + 1) + ".gz"), "chunk-gz-twin");
    plain_ = "body { color: red; } " + std::string(2000, ' ');
    Write(web / "plain.css", plain_);
    Write(web / "dashboard/index.html", "<!doctype html><title>d</title>");
    // A twin older than its file is from another build.
    Write(web / "stale.js", "var fresh = 1;");
    Write(web / "stale.js.br", "old-br-twin");
    fs::last_write_time(web / "stale.js.br",
                        fs::last_write_time(web / "stale.js") - std::chrono::hours(1));
    server_ = std::make_unique<ServerProcess>(
        dir_, std::vector<std::string>{"--web", web.string(), "--rate", "0"});
    ASSERT_TRUE(server_->Start()) << server_->LogText();
  }

  httplib::Result Get(const std::string& path, const std::string& accept_encoding,
                      httplib::Headers extra = {}) {
    httplib::Client client = server_->Client();
    client.set_decompress(false);  // the bytes on the wire
    extra.emplace("Accept-Encoding", accept_encoding);
    return client.Get(path.c_str(), extra);
  }

  ServerDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::string loader_, chunk_, plain_;
};

TEST_F(StaticFilesTest, TwinsAreServedAsTheyAreByAcceptEncoding) {
  auto br = Get(kChunk, "gzip, deflate, br");
  ASSERT_TRUE(br);
  EXPECT_EQ(br->status, 200);
  EXPECT_EQ(br->body, "chunk-br-twin");
  EXPECT_EQ(br->get_header_value("Content-Encoding"), "br");
  EXPECT_EQ(br->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(br->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(br->get_header_value("Vary"), "Accept-Encoding");
  EXPECT_EQ(br->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(br->get_header_value("Access-Control-Allow-Origin"), "*");
  auto gzip = Get(kChunk, "gzip");
  ASSERT_TRUE(gzip);
  EXPECT_EQ(gzip->body, "chunk-gz-twin");
  EXPECT_EQ(gzip->get_header_value("Content-Encoding"), "gzip");
  auto identity = Get(kChunk, "identity");
  ASSERT_TRUE(identity);
  EXPECT_EQ(identity->body, chunk_);
  EXPECT_FALSE(identity->has_header("Content-Encoding"));
}

TEST_F(StaticFilesTest, NothingIsCompressedPerRequest) {
  auto res = Get("/plain.css", "gzip, deflate, br");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_FALSE(res->has_header("Content-Encoding"));
  EXPECT_EQ(res->body, plain_);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/css; charset=utf-8");
}

TEST_F(StaticFilesTest, ATwinOlderThanItsFileIsIgnored) {
  auto res = Get("/stale.js", "br");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "var fresh = 1;");
  EXPECT_FALSE(res->has_header("Content-Encoding"));
}

TEST_F(StaticFilesTest, UnhashedNamesRevalidateWithAStrongEtagPerVariant) {
  auto res = Get("/microconv.js", "br");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-cache");
  const std::string etag = res->get_header_value("ETag");
  ASSERT_EQ(etag.size(), 21u) << etag;  // quotes, 16 hex digits, "-br"
  EXPECT_TRUE(etag.ends_with("-br\"")) << etag;
  auto identity = Get("/microconv.js", "identity");
  ASSERT_TRUE(identity);
  EXPECT_EQ(identity->get_header_value("ETag"), etag.substr(0, 17) + "\"");
  for (const std::string& tag : {etag, "W/" + etag, "\"x\", " + etag, std::string("*")}) {
    auto again = Get("/microconv.js", "br", {{"If-None-Match", tag}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304) << tag;
    EXPECT_TRUE(again->body.empty());
    EXPECT_EQ(again->get_header_value("ETag"), etag);
  }
  // The identity validator does not validate the br bytes.
  auto other = Get("/microconv.js", "br", {{"If-None-Match", identity->get_header_value("ETag")}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
}

// Repeated header lines are one list (RFC 9110 5.3): a later line's refusal
// or validator counts like the first's.
TEST_F(StaticFilesTest, RepeatedHeaderLinesAreOneList) {
  httplib::Client client = server_->Client();
  client.set_decompress(false);
  auto refused =
      client.Get(kChunk, {{"Accept-Encoding", "gzip, br"}, {"Accept-Encoding", "br;q=0"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->get_header_value("Content-Encoding"), "gzip");
  auto first = Get("/microconv.js", "br");
  ASSERT_TRUE(first);
  const std::string etag = first->get_header_value("ETag");
  auto again = client.Get(
      "/microconv.js",
      {{"Accept-Encoding", "br"}, {"If-None-Match", "\"other\""}, {"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
}

// A request target in absolute form ("GET http://host/path", RFC 9112
// 3.2.2) names the same file; a redirect keeps the query (the dashboard's
// view).
TEST_F(StaticFilesTest, AbsoluteFormTargetsAndRedirectsKeepTheirMeaning) {
  // The whole answer to `request`, sent on a connection of its own.
  const auto exchange = [&](const std::string& request) {
    RawConnection connection(server_->port(), 1);
    EXPECT_TRUE(connection.ok() && connection.Send(request));
    return connection.Receive(std::chrono::seconds(2), "\x01");  // until the close
  };
  const std::string file = exchange(
      "GET http://127.0.0.1/microconv.js?v=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Accept-Encoding: identity\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(file.starts_with("HTTP/1.1 200")) << file.substr(0, 200);
  EXPECT_TRUE(file.ends_with(loader_)) << file.substr(0, 200);
  const std::string bare =
      exchange("GET HTTPS://127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(bare.starts_with("HTTP/1.1 404")) << bare.substr(0, 200);
  auto redirect = Get("/dashboard?site=demo&from=2026-01-01", "br");
  ASSERT_TRUE(redirect);
  EXPECT_EQ(redirect->status, 301);
  EXPECT_EQ(redirect->get_header_value("Location"), "/dashboard/?site=demo&from=2026-01-01");
}

TEST_F(StaticFilesTest, PathsThatCouldNameSomethingElseAreRefused) {
  for (const char* path : {"/microconv.js%00.html", "/microconv.js%00", "/%2e%2e/etc/passwd",
                           "/dashboard/..%2fmicroconv.js", "/a%5cb.js", "/.hidden",
                           "//microconv.js", "/microconv.js%0d%0aX:%20y"}) {
    auto res = Get(path, "br");
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 400) << path;
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff") << path;
  }
  for (const char* path : {"/microconv.js.br", "/nope.js"}) {
    auto res = Get(path, "br");
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path;
  }
  auto redirect = Get("/dashboard", "br");
  ASSERT_TRUE(redirect);
  EXPECT_EQ(redirect->status, 301);
  EXPECT_EQ(redirect->get_header_value("Location"), "/dashboard/");
  auto page = Get("/dashboard/", "br");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_FALSE(page->has_header("Access-Control-Allow-Origin"));
}

TEST(ChooseCodingTest, BrOverGzipOverIdentityWithQValues) {
  struct Case {
    const char* header;
    ContentCoding expected;
  };
  for (const Case& c : {
           Case{"gzip, deflate, br", ContentCoding::kBrotli},
           Case{"gzip", ContentCoding::kGzip},
           Case{"", ContentCoding::kIdentity},
           Case{"identity", ContentCoding::kIdentity},
           Case{"br;q=0.5, gzip", ContentCoding::kGzip},
           Case{"gzip;q=0.2, br;q=0.3", ContentCoding::kBrotli},
           Case{"gzip;q=0.2", ContentCoding::kGzip},
           Case{"br;q=0, gzip;q=0", ContentCoding::kIdentity},
           Case{"*", ContentCoding::kBrotli},
           Case{"*, br;q=0", ContentCoding::kGzip},
           Case{"BR;Q=1", ContentCoding::kBrotli},
           Case{"br;q=bogus, gzip", ContentCoding::kGzip},
           Case{"gzip;q=0.5, identity;q=0.9", ContentCoding::kIdentity},
           // A weight that is not "q=VALUE" refuses its coding (RFC 9110
           // 12.4.2: no space around "="); other parameters are ignored.
           Case{"br;q =0, gzip", ContentCoding::kGzip},
           Case{"br;Q= 0, gzip", ContentCoding::kGzip},
           Case{"br;q, gzip", ContentCoding::kGzip},
           Case{"br;level=5, gzip;q=0.9", ContentCoding::kBrotli},
       }) {
    EXPECT_EQ(ChooseCoding(c.header, true, true), c.expected) << c.header;
  }
  EXPECT_EQ(ChooseCoding("br", true, false), ContentCoding::kIdentity);
  EXPECT_EQ(ChooseCoding("gzip, br", true, false), ContentCoding::kGzip);
}

TEST(ContentHashTest, OnlyStemDotHashDotExtension) {
  // kContentHashDigits (8) lowercase hex digits, as web/build.mjs writes.
  EXPECT_TRUE(IsContentHashed("microconv-core.0123abcd.wasm"));
  EXPECT_TRUE(IsContentHashed("microconv-core.nowasm.0123abcd.js"));
  EXPECT_FALSE(IsContentHashed("microconv.js"));
  EXPECT_FALSE(IsContentHashed("microconv-core.nowasm.js"));
  EXPECT_FALSE(IsContentHashed("x.0123ABCD.js"));  // build.mjs writes lowercase
  EXPECT_FALSE(IsContentHashed("x.0123abc.js"));
  EXPECT_FALSE(IsContentHashed("x.0123456789ab.js"));  // the 12 digits of earlier builds
  EXPECT_FALSE(IsContentHashed("x0123abcd.js"));
  EXPECT_FALSE(IsContentHashed(".0123abcd.js"));
}

}  // namespace
}  // namespace microconv
