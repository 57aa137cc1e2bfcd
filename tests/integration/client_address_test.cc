// Behind a reverse proxy (issue 10 point 3): the pure resolution of the
// client's address and scheme (tools/serve/client_address.h), then the real
// `microconv serve` with and without --trust-proxy, this test's client
// playing the proxy on 127.0.0.1.
#include "tools/serve/client_address.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "journeys.h"
#include "server_process.h"
#include "tools/serve/access.h"

namespace microconv::testing {
namespace {

TrustedProxies Trust(const std::string& list) {
  auto trusted = TrustedProxies::Parse(list);
  EXPECT_TRUE(trusted.ok()) << trusted.message();
  return trusted.ok() ? trusted.value() : TrustedProxies{};
}

ClientAddress Resolve(const std::string& trusted, const std::string& peer, const std::string& xff,
                      const std::string& proto = "") {
  return ResolveClient(Trust(trusted), ForwardedHeader::kXForwardedFor, peer, {xff, proto, ""});
}

ClientAddress ResolveForwarded(const std::string& trusted, const std::string& peer,
                               const std::string& forwarded) {
  return ResolveClient(Trust(trusted), ForwardedHeader::kForwarded, peer, {"", "", forwarded});
}

TEST(TrustedProxiesTest, ParsesIpv4AndIpv6Ranges) {
  const TrustedProxies trusted =
      Trust("127.0.0.1/32, 10.0.0.0/8,::1/128,2001:db8:a::/48,192.0.2.7");
  auto contains = [&](const char* text) {
    auto address = IpAddress::Parse(text);
    EXPECT_TRUE(address) << text;
    return address && trusted.Contains(*address);
  };
  EXPECT_TRUE(contains("127.0.0.1"));
  EXPECT_FALSE(contains("127.0.0.2"));
  EXPECT_TRUE(contains("10.255.1.2"));
  EXPECT_FALSE(contains("11.0.0.1"));
  EXPECT_TRUE(contains("::1"));
  EXPECT_FALSE(contains("::2"));
  EXPECT_TRUE(contains("2001:db8:a:ffff::1"));
  EXPECT_FALSE(contains("2001:db8:b::1"));
  EXPECT_TRUE(contains("192.0.2.7"));  // a bare address: that host
  EXPECT_FALSE(contains("192.0.2.8"));
  // A dual-stack socket reports IPv4 peers mapped into IPv6.
  EXPECT_TRUE(contains("::ffff:127.0.0.1"));
  EXPECT_TRUE(Trust("0.0.0.0/0").Contains(*IpAddress::Parse("198.51.100.1")));
  EXPECT_FALSE(Trust("0.0.0.0/0").Contains(*IpAddress::Parse("2001:db8::1")));
  EXPECT_TRUE(Trust("10.0.0.0/9").Contains(*IpAddress::Parse("10.127.0.1")));
  EXPECT_FALSE(Trust("10.0.0.0/9").Contains(*IpAddress::Parse("10.128.0.1")));
  EXPECT_TRUE(TrustedProxies::Parse("").value().empty());
}

TEST(TrustedProxiesTest, BadRangesAreErrorsNamingTheEntry) {
  for (const char* bad :
       {"10.0.0.1/8", "10.0.0.0/33", "::1/129", "10.0.0.0/", "10.0.0.0/-1", "localhost",
        "10.0.0.0/8,", "1.2.3/24", "fe80::1%eth0/128", "[::1]/128", "10.0.0.0/8x", "01.2.3.4/32"}) {
    auto trusted = TrustedProxies::Parse(bad);
    EXPECT_FALSE(trusted.ok()) << bad;
    EXPECT_EQ(trusted.error(), Error::kOutOfRange) << bad;
    EXPECT_EQ(trusted.message().rfind("--trust-proxy: \"", 0), 0u) << trusted.message();
  }
  EXPECT_EQ(TrustedProxies::Parse("127.0.0.1/32,10.0.0.1/8").message(),
            "--trust-proxy: \"10.0.0.1/8\": address has bits set beyond /8");
}

TEST(ClientAddressTest, WithoutTrustForwardedHeadersAreIgnored) {
  // No --trust-proxy: whatever the request claims, the socket decides.
  ClientAddress client = Resolve("", "198.51.100.9", "203.0.113.1", "https");
  EXPECT_EQ(client.address, "198.51.100.9");
  EXPECT_FALSE(client.https);
  EXPECT_FALSE(client.malformed);
  // Trusted ranges that do not hold the peer: a spoof sent straight to us.
  client = Resolve("10.0.0.0/8", "198.51.100.9", "10.0.0.1, 203.0.113.1", "https");
  EXPECT_EQ(client.address, "198.51.100.9");
  EXPECT_FALSE(client.https);
  client = ResolveForwarded("10.0.0.0/8", "198.51.100.9", "for=203.0.113.1;proto=https");
  EXPECT_EQ(client.address, "198.51.100.9");
  EXPECT_FALSE(client.https);
}

TEST(ClientAddressTest, TheRightMostUntrustedHopIsTheClient) {
  // nginx's $proxy_add_x_forwarded_for: whatever the client sent, then the
  // address nginx saw. The client's own entries are left of it and ignored.
  ClientAddress client = Resolve("127.0.0.1/32", "127.0.0.1", "1.1.1.1, 203.0.113.5", "https");
  EXPECT_EQ(client.address, "203.0.113.5");
  EXPECT_TRUE(client.https);
  EXPECT_FALSE(client.malformed);
  // Two trusted proxies (a CDN in 10/8, then the local nginx).
  client = Resolve("127.0.0.1/32,10.0.0.0/8", "127.0.0.1", "6.6.6.6, 203.0.113.5, 10.1.2.3");
  EXPECT_EQ(client.address, "203.0.113.5");
  // A client claiming a trusted address: the hop before it is still the
  // right-most untrusted one, so the claim buys nothing.
  client = Resolve("127.0.0.1/32,10.0.0.0/8", "127.0.0.1", "10.9.9.9, 203.0.113.5");
  EXPECT_EQ(client.address, "203.0.113.5");
  // Every hop trusted (a proxy's own health check through another): the
  // left-most is the origin.
  client = Resolve("127.0.0.1/32,10.0.0.0/8", "127.0.0.1", "10.0.0.2, 10.0.0.3");
  EXPECT_EQ(client.address, "10.0.0.2");
  // Several header fields are one list (joined in order).
  client = Resolve("127.0.0.1/32", "127.0.0.1", "9.9.9.9,203.0.113.6");
  EXPECT_EQ(client.address, "203.0.113.6");
  // No header from a trusted peer: the peer itself.
  client = Resolve("127.0.0.1/32", "127.0.0.1", "", "");
  EXPECT_EQ(client.address, "127.0.0.1");
  EXPECT_FALSE(client.malformed);
}

TEST(ClientAddressTest, Ipv6AndPortsAreReadAndSpelledOneWay) {
  ClientAddress client = Resolve("::1/128", "::1", "2001:DB8:0:0:0:0:0:1");
  EXPECT_EQ(client.address, "2001:db8::1");
  EXPECT_EQ(Resolve("::1/128", "::1", "[2001:db8::1]:4711").address, "2001:db8::1");
  EXPECT_EQ(Resolve("::1/128", "::1", "[2001:db8::1]").address, "2001:db8::1");
  EXPECT_EQ(Resolve("::1/128", "::1", "203.0.113.7:51000").address, "203.0.113.7");
  EXPECT_EQ(Resolve("::1/128", "::1", "::ffff:203.0.113.7").address, "203.0.113.7");
  // An IPv4 proxy on a dual-stack socket.
  client = Resolve("127.0.0.1/32", "::ffff:127.0.0.1", "2001:db8::9");
  EXPECT_EQ(client.address, "2001:db8::9");
  EXPECT_EQ(Resolve("", "::ffff:198.51.100.1", "").address, "198.51.100.1");
}

TEST(ClientAddressTest, GarbageFromATrustedProxyFallsBackToThePeer) {
  const std::string long_digits(200, '1');
  for (const std::string& garbage : std::vector<std::string>{
           "not-an-address", "203.0.113.1 203.0.113.2", "unknown", "203.0.113.1,", "[2001:db8::1",
           "[203.0.113.1]", "203.0.113.1:port", "2001:db8::1:80:", "999.1.1.1", "\"203.0.113.1\"",
           "fe80::1%eth0", long_digits}) {
    const ClientAddress client = Resolve("127.0.0.1/32", "127.0.0.1", garbage, "https");
    EXPECT_EQ(client.address, "127.0.0.1") << garbage;
    EXPECT_TRUE(client.malformed) << garbage;
    EXPECT_FALSE(client.https) << garbage;
  }
  // Garbage the client wrote, left of the hop the proxy appended, is never
  // read: nothing is malformed.
  const ClientAddress client = Resolve("127.0.0.1/32", "127.0.0.1", "<script>, 203.0.113.8");
  EXPECT_EQ(client.address, "203.0.113.8");
  EXPECT_FALSE(client.malformed);
  // Nor can a client's unbalanced quote swallow the hop after it.
  EXPECT_EQ(Resolve("127.0.0.1/32", "127.0.0.1", "\"evil, 203.0.113.9").address, "203.0.113.9");
  const ClientAddress quoted =
      ResolveForwarded("127.0.0.1/32", "127.0.0.1", "for=\"evil;x=\", for=203.0.113.9;proto=https");
  EXPECT_EQ(quoted.address, "203.0.113.9");
  EXPECT_TRUE(quoted.https);
  EXPECT_FALSE(quoted.malformed);
  // An unreadable scheme is plain HTTP.
  const ClientAddress scheme = Resolve("127.0.0.1/32", "127.0.0.1", "203.0.113.8", "gopher");
  EXPECT_EQ(scheme.address, "203.0.113.8");
  EXPECT_FALSE(scheme.https);
  EXPECT_TRUE(scheme.malformed);
  EXPECT_TRUE(Resolve("127.0.0.1/32", "127.0.0.1", "203.0.113.8", "http, HTTPS").https);
}

TEST(ClientAddressTest, Rfc7239ForwardedWhenChosen) {
  ClientAddress client = ResolveForwarded(
      "127.0.0.1/32,10.0.0.0/8", "127.0.0.1",
      "for=6.6.6.6;proto=http, for=\"[2001:db8:cafe::17]:4711\";proto=https;by=10.0.0.1, "
      "For=10.0.0.2;proto=http");
  EXPECT_EQ(client.address, "2001:db8:cafe::17");
  EXPECT_TRUE(client.https);  // the scheme the client used, not the inner hop's
  client =
      ResolveForwarded("127.0.0.1/32", "127.0.0.1", "for=192.0.2.60;proto=http;by=203.0.113.43;");
  EXPECT_EQ(client.address, "192.0.2.60");
  EXPECT_FALSE(client.https);
  for (const char* garbage :
       {"for=unknown", "for=_hidden", "proto=https", "for", "for=1.2.3.4;proto=ftp"}) {
    client = ResolveForwarded("127.0.0.1/32", "127.0.0.1", garbage);
    EXPECT_EQ(client.address, "127.0.0.1") << garbage;
    EXPECT_TRUE(client.malformed) << garbage;
  }
  // Choosing Forwarded ignores X-Forwarded-For (a client could add either).
  client = ResolveClient(Trust("127.0.0.1/32"), ForwardedHeader::kForwarded, "127.0.0.1",
                         {"203.0.113.1", "https", ""});
  EXPECT_EQ(client.address, "127.0.0.1");
  EXPECT_FALSE(client.https);
  client = ResolveClient(Trust("127.0.0.1/32"), ForwardedHeader::kXForwardedFor, "127.0.0.1",
                         {"", "", "for=203.0.113.1"});
  EXPECT_EQ(client.address, "127.0.0.1");
}

// --- the real collector -------------------------------------------------

class TrustProxyTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(journeys_.ok()); }

  // Posts one summary as if forwarded for `client` (no header when empty);
  // the status.
  int Post(ServerProcess& server, const std::string& forwarded_for) {
    httplib::Headers headers;
    if (!forwarded_for.empty()) headers.emplace("X-Forwarded-For", forwarded_for);
    const auto bytes = journeys_.Summary("purchase", ++seed_);
    auto res = server.Anonymous().Post("/api/collect", headers,
                                       reinterpret_cast<const char*>(bytes.data()), bytes.size(),
                                       "text/plain");
    return res ? res->status : -1;
  }

  // How many of `n` posts for `client` were accepted.
  int Accepted(ServerProcess& server, const std::string& forwarded_for, int n) {
    int accepted = 0;
    for (int i = 0; i < n; ++i) accepted += Post(server, forwarded_for) == 202;
    return accepted;
  }

  Journeys journeys_;
  int seed_ = 100;
};

TEST_F(TrustProxyTest, ABadRangeStopsTheStart) {
  ServerDir dir;
  ServerProcess server(dir, {"--trust-proxy", "127.0.0.1/32,10.0.0.1/8"});
  EXPECT_FALSE(server.Start());
  EXPECT_NE(server.LogText().find("--trust-proxy: \"10.0.0.1/8\": address has bits set beyond /8"),
            std::string::npos)
      << server.LogText();
  ServerProcess lonely(dir, {"--forwarded-header", "forwarded"});
  EXPECT_FALSE(lonely.Start());
  EXPECT_NE(lonely.LogText().find("--forwarded-header needs --trust-proxy"), std::string::npos);
}

TEST_F(TrustProxyTest, UntrustedPeersShareTheirSocketsBudgetWhateverTheyClaim) {
  ServerDir dir;
  // 127.0.0.1 is not in the trusted range: the spoofs below are ignored.
  ServerProcess server(dir, {"--rate", "0.01", "--burst", "3", "--trust-proxy", "10.0.0.0/8"});
  ASSERT_TRUE(server.Start()) << server.LogText();
  int accepted = 0;
  for (int i = 0; i < 6; ++i) {
    accepted += Post(server, "203.0.113." + std::to_string(i)) == 202;
  }
  EXPECT_EQ(accepted, 3);
}

TEST_F(TrustProxyTest, ForwardedClientsBehindATrustedProxyGetTheirOwnBudgets) {
  ServerDir dir;
  ServerProcess server(dir, {"--rate", "0.01", "--burst", "3", "--trust-proxy", "127.0.0.1/32"});
  ASSERT_TRUE(server.Start()) << server.LogText();
  EXPECT_EQ(Accepted(server, "203.0.113.1", 5), 3);
  // Another visitor behind the same proxy: a full budget of its own.
  EXPECT_EQ(Accepted(server, "203.0.113.2", 5), 3);
  // What the client itself claimed (left of the proxy's entry) buys nothing.
  EXPECT_EQ(Accepted(server, "198.51.100.1, 203.0.113.1", 2), 0);
  // One visitor, two spellings: one budget.
  EXPECT_EQ(Accepted(server, "2001:db8::1", 3), 3);
  EXPECT_EQ(Accepted(server, "[2001:DB8:0::1]:5000", 1), 0);
  // Unreadable: the proxy's own budget, and counted.
  EXPECT_EQ(server.Metric("microconv_forwarded_malformed_total"), 0);
  EXPECT_EQ(Accepted(server, "garbage", 1), 1);
  EXPECT_EQ(server.Metric("microconv_forwarded_malformed_total"), 1);
  EXPECT_NE(server.LogText().find("unreadable forwarded header"), std::string::npos);
  // No client address reaches the log.
  EXPECT_EQ(server.LogText().find("203.0.113"), std::string::npos) << server.LogText();
}

TEST_F(TrustProxyTest, SecureCookieFollowsTheSchemeOnlyFromATrustedProxy) {
  ServerDir dir;
  // The login page sets the form's CSRF cookie.
  auto login_cookie = [](ServerProcess& server) {
    auto res = server.Anonymous().Get("/login", {{"X-Forwarded-Proto", "https"}});
    EXPECT_TRUE(res && res->status == 200);
    return res ? res->get_header_value("Set-Cookie") : std::string("no answer");
  };
  const std::string web = std::string(MICROCONV_SOURCE_DIR) + "/web";
  {
    ServerProcess direct(dir, {"--web", web});
    ASSERT_TRUE(direct.Start()) << direct.LogText();
    // Anyone could send that header: it no longer switches Secure on.
    EXPECT_EQ(login_cookie(direct).find("Secure"), std::string::npos);
  }
  ServerProcess proxied(dir, {"--web", web, "--trust-proxy", "127.0.0.1/32"});
  ASSERT_TRUE(proxied.Start()) << proxied.LogText();
  EXPECT_NE(login_cookie(proxied).find("mc_csrf="), std::string::npos);
  EXPECT_NE(login_cookie(proxied).find("; Secure"), std::string::npos);
  auto plain = proxied.Anonymous().Get("/login", {{"X-Forwarded-Proto", "http"}});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->get_header_value("Set-Cookie").find("Secure"), std::string::npos);
}

TEST_F(TrustProxyTest, LoginAttemptsAreLimitedPerForwardedAddress) {
  ServerDir dir;
  ServerProcess server(
      dir, {"--trust-proxy", "127.0.0.1/32", "--web", std::string(MICROCONV_SOURCE_DIR) + "/web"});
  ASSERT_TRUE(server.Start()) << server.LogText();
  // One wrong guess through the login form, as `client`; the status.
  auto attempt = [&](const std::string& client, int i) {
    const httplib::Headers via = {{"X-Forwarded-For", client}};
    auto form = server.Anonymous().Get("/login", via);
    if (!form) return -1;
    std::smatch csrf;
    std::regex_search(form->body, csrf, std::regex(R"(name="csrf" value="([0-9a-f]+)\")"));
    const std::string cookie = form->get_header_value("Set-Cookie");
    httplib::Headers headers = via;
    headers.emplace("Cookie", cookie.substr(0, cookie.find(';')));
    auto res = server.Anonymous().Post(
        "/login", headers,
        "user=guess" + std::to_string(i) + "&password=wrong&csrf=" + csrf[1].str(),
        "application/x-www-form-urlencoded");
    return res ? res->status : -1;
  };
  int first_limited = -1;
  for (int i = 0; i < 3 * kLoginBurstPerAddress && first_limited < 0; ++i) {
    const int status = attempt("203.0.113.1", i);
    ASSERT_TRUE(status == 401 || status == 429) << status;
    if (status == 429) first_limited = i;
  }
  ASSERT_GE(first_limited, kLoginBurstPerAddress);
  // The next visitor behind the same proxy is not locked out with them.
  EXPECT_EQ(attempt("203.0.113.2", 100), 401);
}

}  // namespace
}  // namespace microconv::testing
