// The HTTP layer's limits one by one (tools/serve/http_server.h), each
// with an honest client beside it: what the attack test floods, here
// checked for its exact answer.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "raw_connection.h"
#include "server_process.h"
#include "tools/serve/http_server.h"

namespace microconv::testing {
namespace {

using std::chrono::milliseconds;

constexpr int kPerAddress = 4;

class HttpLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() + "/web");
    std::ofstream(dir_.path() + "/web/file.js") << std::string(1000, 'x');
    // The dashboard's pages, for their policies.
    std::filesystem::create_directories(dir_.path() + "/web/dashboard");
    for (const char* page : {"index.html", "login.html", "login.css"}) {
      std::filesystem::copy_file(std::string(MICROCONV_SOURCE_DIR) + "/web/dashboard/" + page,
                                 dir_.path() + "/web/dashboard/" + page);
    }
    server_ = std::make_unique<ServerProcess>(
        dir_, std::vector<std::string>{"--idle-timeout", "1", "--header-timeout", "2",
                                       "--max-connections-per-address", std::to_string(kPerAddress),
                                       "--max-header-bytes", "4096"});
    ASSERT_TRUE(server_->Start()) << server_->LogText();
  }

  std::string Exchange(const std::string& request, int octet = 1) {
    RawConnection c(server_->port(), octet);
    c.Send(request);
    return c.Receive(milliseconds(3000), "\r\n\r\n");
  }

  ServerDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(HttpLimitsTest, HeadCapsAnswer414And431) {
  EXPECT_TRUE(Exchange("GET /" + std::string(10000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n")
                  .starts_with("HTTP/1.1 414"));
  EXPECT_TRUE(
      Exchange("GET /file.js HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(10000, 'a') + "\r\n\r\n")
          .starts_with("HTTP/1.1 431"));
  // Just under the cap is served.
  EXPECT_TRUE(
      Exchange("GET /file.js HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n")
          .starts_with("HTTP/1.1 200"));
}

TEST_F(HttpLimitsTest, RangeIsIgnoredAndTheWholeFileServed) {
  auto res = server_->Anonymous().Get("/file.js", {{"Range", "bytes=0-0,0-0,0-0"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body.size(), 1000u);
  EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
}

TEST_F(HttpLimitsTest, ConnectionsPerAddressAreCappedForThatAddressOnly) {
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < kPerAddress; ++i) {
    held.push_back(std::make_unique<RawConnection>(server_->port(), 9));
    ASSERT_TRUE(held.back()->ok());
  }
  std::this_thread::sleep_for(milliseconds(200));
  // One more from the same address is closed at accept, unanswered.
  RawConnection extra(server_->port(), 9);
  extra.Send("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(extra.Receive(milliseconds(1000)), "");
  EXPECT_TRUE(extra.ClosedByServer());
  // Another address is served.
  EXPECT_TRUE(Exchange("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n", 10).starts_with("HTTP/1.1 200"));
}

TEST_F(HttpLimitsTest, IdleKeepAliveAndTrickledHeadsAreClosed) {
  RawConnection idle(server_->port(), 11);
  idle.Send("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(idle.Receive(milliseconds(1000), "ok").starts_with("HTTP/1.1 200"));
  RawConnection trickle(server_->port(), 12);
  trickle.Send("GET /healthz HTTP/1.1\r\n");
  bool trickle_cut = false;
  const auto start = std::chrono::steady_clock::now();
  // A header line every 300 ms never finishes the head: cut at 2 s.
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
    if (!trickle.Send("X-A: b\r\n") || trickle.ClosedByServer()) {
      trickle_cut = true;
      break;
    }
    std::this_thread::sleep_for(milliseconds(300));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(trickle_cut);
  EXPECT_LT(seconds, 4);
  EXPECT_TRUE(idle.ClosedByServer()) << "idle keep-alive outlived --idle-timeout 1";
}

TEST_F(HttpLimitsTest, LoginAndDashboardPagesCarryAStrictPolicy) {
  auto login = server_->Anonymous().Get("/login");
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 200);
  const std::string form = login->get_header_value("Content-Security-Policy");
  EXPECT_NE(form.find("default-src 'none'"), std::string::npos) << form;
  EXPECT_NE(form.find("frame-ancestors 'none'"), std::string::npos) << form;
  EXPECT_EQ(form.find("unsafe"), std::string::npos) << form;
  auto dashboard = server_->Client().Get("/dashboard/");
  ASSERT_TRUE(dashboard);
  ASSERT_EQ(dashboard->status, 200);
  const std::string page = dashboard->get_header_value("Content-Security-Policy");
  EXPECT_NE(page.find("script-src 'self';"), std::string::npos) << page;
  EXPECT_NE(page.find("frame-ancestors 'none'"), std::string::npos) << page;
  EXPECT_EQ(dashboard->get_header_value("X-Content-Type-Options"), "nosniff");
}

}  // namespace
}  // namespace microconv::testing

namespace microconv::testing {
namespace {

Response RangeOf(const std::string& range) {
  Request req;
  if (!range.empty()) req.headers.emplace_back("range", range);
  Response res;
  res.SetContent("0123456789", "video/webm");
  ApplySingleRange(req, res);
  return res;
}

TEST(ApplySingleRangeTest, OneRangeIsServedSeveralAreNot) {
  Response first = RangeOf("bytes=2-4");
  EXPECT_EQ(first.status, 206);
  EXPECT_EQ(first.body, "234");
  EXPECT_EQ(first.Header("Content-Range"), "bytes 2-4/10");
  Response open_ended = RangeOf("bytes=7-");
  EXPECT_EQ(open_ended.body, "789");
  Response suffix = RangeOf("bytes=-2");
  EXPECT_EQ(suffix.body, "89");
  EXPECT_EQ(suffix.Header("Content-Range"), "bytes 8-9/10");
  for (const std::string whole :
       {"", "bytes=0-0,0-0", "bytes=10-", "bytes=5-2", "items=0-1", "bytes=x-1"}) {
    Response res = RangeOf(whole);
    EXPECT_EQ(res.status, 200) << whole;
    EXPECT_EQ(res.body, "0123456789") << whole;
    EXPECT_EQ(res.Header("Accept-Ranges"), "bytes");
  }
}

}  // namespace
}  // namespace microconv::testing
