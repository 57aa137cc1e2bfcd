// SiteHost (`microconv host`): routes, the collector placeholder, and that
// no request path can read outside the site folder or its hidden files.
#include "tools/serve/site_host.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace microconv::testing {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

class SiteHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/microconv-site-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    root_ = dir_ / "site";
    Write(root_ / "routes.json",
          R"({"routes": {"/": "index.html", "/product/*": "product.html",
                         "/product/special": "special.html", "/p*": "p.html"}})");
    Write(root_ / "index.html",
          "<script src=\"{{MICROCONV}}/microconv.js\"></script>{{MICROCONV}}");
    Write(root_ / "product.html", "product");
    Write(root_ / "special.html", "special");
    Write(root_ / "p.html", "p");
    Write(root_ / "assets/store.css", "body{}");
    Write(root_ / ".secret", "hidden");
    Write(dir_ / "outside.txt", "outside");
    fs::create_symlink(dir_ / "outside.txt", root_ / "assets/link.txt");
  }
  void TearDown() override { fs::remove_all(dir_); }

  SiteHost Open() {
    auto host = SiteHost::Open(root_, "http://127.0.0.1:8080/");
    EXPECT_TRUE(host.ok()) << host.message();
    return std::move(host).value();
  }

  fs::path dir_, root_;
};

TEST_F(SiteHostTest, PagesCarryTheCollectorOrigin) {
  const HostedFile page = Open().Serve("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body,
            "<script src=\"http://127.0.0.1:8080/microconv.js\"></script>http://127.0.0.1:8080");
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_FALSE(page.cacheable);
}

TEST_F(SiteHostTest, ExactRoutesWinThenTheLongestPrefix) {
  SiteHost host = Open();
  EXPECT_EQ(host.Serve("/product/special").body, "special");
  EXPECT_EQ(host.Serve("/product/aurora-x2").body, "product");
  EXPECT_EQ(host.Serve("/product/").body, "product");
  EXPECT_EQ(host.Serve("/playground").body, "p");
}

TEST_F(SiteHostTest, AssetsAreFilesUnderTheFolder) {
  const HostedFile css = Open().Serve("/assets/store.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.body, "body{}");
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  EXPECT_TRUE(css.cacheable);
}

TEST_F(SiteHostTest, NothingOutsideTheFolderOrHidden) {
  SiteHost host = Open();
  for (const char* path : {"/../outside.txt", "/assets/../../outside.txt", "/.secret",
                           "/assets/link.txt", "/routes.json", "/assets", "/missing.css"}) {
    const HostedFile file = host.Serve(path);
    EXPECT_EQ(file.status, 404) << path;
    EXPECT_EQ(file.body.find("outside"), std::string::npos) << path;
    EXPECT_EQ(file.body.find("hidden"), std::string::npos) << path;
  }
  const std::string with_nul("/assets/store.css\0.txt", 22);
  EXPECT_EQ(host.Serve(with_nul).status, 404);
}

TEST_F(SiteHostTest, NotFoundPageWhenTheSiteHasOne) {
  Write(root_ / "404.html", "<p>lost {{MICROCONV}}</p>");
  const HostedFile file = Open().Serve("/nowhere");
  EXPECT_EQ(file.status, 404);
  EXPECT_EQ(file.body, "<p>lost http://127.0.0.1:8080</p>");
}

TEST_F(SiteHostTest, BadRoutesAreRefusedWithTheirPath) {
  Write(root_ / "routes.json", R"({"routes": {"/cart": "cart.html"}})");
  auto missing = SiteHost::Open(root_, "http://x");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("routes./cart: cart.html not found"), std::string::npos)
      << missing.message();
  Write(root_ / "routes.json", R"({"routes": {"cart": "index.html"}})");
  auto relative = SiteHost::Open(root_, "http://x");
  ASSERT_FALSE(relative.ok());
  EXPECT_NE(relative.message().find("must start with /"), std::string::npos);
  Write(root_ / "routes.json", "[1, 2");
  EXPECT_FALSE(SiteHost::Open(root_, "http://x").ok());
  EXPECT_FALSE(SiteHost::Open(dir_ / "none", "http://x").ok());
}

}  // namespace
}  // namespace microconv::testing
