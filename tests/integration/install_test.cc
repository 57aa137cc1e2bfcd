// `cmake --install` (issue 10 point 4): the binary in PREFIX/bin, the web
// assets in PREFIX/share/microconv/web, and the installed collector started
// from an unrelated directory without --web finds and serves them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "command_run.h"
#include "tools/base/version.h"
#include "tools/load/serve_process.h"
#include "tools/store/store_schema.h"

namespace microconv::testing {
namespace {

namespace fs = std::filesystem;

TEST(InstallTest, InstalledCollectorServesItsAssetsWithoutWeb) {
  const std::string dist = std::string(MICROCONV_SOURCE_DIR) + "/web/dist";
  if (!fs::exists(dist + "/microconv.js") || !fs::exists(dist + "/dashboard/login.html")) {
    GTEST_SKIP() << "web/dist is not built (bash tools/build_web.sh): nothing to install";
  }
  TempDir prefix, elsewhere;
  const CommandRun install =
      RunCommand(MICROCONV_CMAKE, {"--install", MICROCONV_BUILD_DIR, "--prefix", prefix.path()},
                 elsewhere.path());
  ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
  const std::string binary = prefix.path() + "/bin/microconv";
  const std::string web = prefix.path() + "/share/microconv/web";
  ASSERT_TRUE(fs::exists(binary));
  EXPECT_TRUE(fs::exists(web + "/manifest.json"));
  EXPECT_FALSE(fs::exists(web + "/README.md"));

  const CommandRun version = RunCommand(binary, {"--version"}, elsewhere.path());
  ASSERT_EQ(version.exit_code, 0) << version.err;
  EXPECT_EQ(version.out.rfind("microconv " + std::string(kReleaseVersion) + "\n", 0), 0u)
      << version.out;
  EXPECT_NE(version.out.find("store schema " + std::to_string(kStoreSchemaVersion)),
            std::string::npos);
  EXPECT_EQ(RunCommand(binary, {"version"}, elsewhere.path()).out, version.out);

  // A working directory with no web/dist: only the installed tree can serve.
  fs::create_directories(elsewhere.path() + "/sites");
  fs::copy_file(std::string(MICROCONV_SOURCE_DIR) + "/demo-site/sites/demo.json",
                elsewhere.path() + "/sites/demo.json");
  const fs::path cwd = fs::current_path();
  fs::current_path(elsewhere.path());
  ServeOptions options;
  options.binary = binary;
  options.store = "sqlite:" + elsewhere.path() + "/store.sqlite";
  options.sites = elsewhere.path() + "/sites";
  options.log = elsewhere.path() + "/serve.log";
  ServeProcess server(options);
  const Status started = server.Start();
  fs::current_path(cwd);
  ASSERT_TRUE(started.ok()) << started.message << ReadFileText(options.log);
  auto client = server.Client();
  auto tracker = client.Get("/microconv.js");
  ASSERT_TRUE(tracker);
  EXPECT_EQ(tracker->status, 200);
  EXPECT_EQ(tracker->body, ReadFileText(web + "/microconv.js"));
  auto login = client.Get("/login");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 200) << login->body;
  EXPECT_NE(login->body.find("<form"), std::string::npos);
  EXPECT_EQ(ReadFileText(options.log).find("not found"), std::string::npos)
      << ReadFileText(options.log);
}

}  // namespace
}  // namespace microconv::testing
