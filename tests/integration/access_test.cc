// Who may read what (tools/serve/access.h), against the real collector:
// every route with and without credentials, the login form (CSRF, wrong
// password, rate limits), sessions (logout, idle and absolute expiry, a
// removed user), API tokens (scope, site, revocation), shared links (with
// and without a password, revocation), public sites and CORS, and the
// `microconv user|token|share` commands that manage them.
#include "tools/serve/access.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "journeys.h"
#include "server_process.h"
#include "tools/base/wall_clock.h"
#include "tools/store/accounts.h"

namespace microconv::testing {
namespace {

using nlohmann::json;

constexpr const char* kPassword = "a long enough password";

// The source tree's web/ holds web/dashboard/login.html (and index.html).
std::vector<std::string> WithWeb(std::vector<std::string> extra) {
  extra.insert(extra.begin(), {"--web", std::string(MICROCONV_SOURCE_DIR) + "/web"});
  return extra;
}

// The value of a Set-Cookie `name=` in the response ("" when none).
std::string SetCookie(const httplib::Result& res, const std::string& name) {
  for (const auto& [key, value] : res->headers) {
    if (key == "Set-Cookie" && value.starts_with(name + "=")) return value;
  }
  return "";
}

// "name=value" of a Set-Cookie line.
std::string CookiePair(const std::string& set_cookie) {
  return set_cookie.substr(0, set_cookie.find(';'));
}

std::string FormCsrf(const std::string& page) {
  std::smatch match;
  if (!std::regex_search(page, match, std::regex(R"(name="csrf" value="([0-9a-f]+)\")"))) {
    return "";
  }
  return match[1];
}

std::string Form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body += '&';
    body += name + "=" + httplib::detail::encode_query_param(value);
  }
  return body;
}

class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto accounts = AccountStore::Open("sqlite:" + dir_.store());
    ASSERT_TRUE(accounts.ok()) << accounts.message();
    accounts_ = std::move(accounts).value();
    ASSERT_TRUE(accounts_->AddUser("alice", kPassword).ok());
  }

  void Serve(std::vector<std::string> extra = {}) {
    server_ = std::make_unique<ServerProcess>(dir_, WithWeb(std::move(extra)));
    ASSERT_TRUE(server_->Start()) << server_->LogText();
  }

  httplib::Result Get(const std::string& path, const httplib::Headers& headers = {}) {
    return server_->Anonymous().Get(path, headers);
  }
  int Code(const std::string& path, const httplib::Headers& headers = {}) {
    auto res = Get(path, headers);
    return res ? res->status : -1;
  }

  // The login form's answer to these fields, with the CSRF cookie and field
  // of a fresh GET of `form_path` unless `csrf` overrides the field.
  httplib::Result PostForm(const std::string& form_path,
                           std::vector<std::pair<std::string, std::string>> fields,
                           std::optional<std::string> csrf = std::nullopt) {
    auto page = Get(form_path);
    EXPECT_TRUE(page && page->status == 200);
    if (!page) return page;
    fields.push_back({"csrf", csrf.value_or(FormCsrf(page->body))});
    return server_->Anonymous().Post(form_path,
                                     {{"Cookie", CookiePair(SetCookie(page, "mc_csrf"))}},
                                     Form(fields), "application/x-www-form-urlencoded");
  }

  // The session cookie ("mc_session=...") of a successful login, or "".
  std::string LogIn(const std::string& user, const std::string& password) {
    auto res = PostForm("/login", {{"user", user}, {"password", password}});
    if (!res || res->status != 303) return "";
    return CookiePair(SetCookie(res, "mc_session"));
  }

  static httplib::Headers Cookie(const std::string& cookie) { return {{"Cookie", cookie}}; }
  static httplib::Headers Bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }

  ServerDir dir_;
  std::unique_ptr<AccountStore> accounts_;
  std::unique_ptr<ServerProcess> server_;
};

const std::vector<std::string> kPrivateApi = {"/api/report/demo", "/api/sites", "/metrics"};

TEST_F(AccessTest, WithoutCredentialsOnlyIngestAnswers) {
  Serve();
  for (const std::string& path : kPrivateApi) {
    auto res = Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << path;
    EXPECT_TRUE(res->body.starts_with("unauthorized: ")) << res->body;
    EXPECT_FALSE(res->has_header("Access-Control-Allow-Origin")) << path;
  }
  EXPECT_EQ(Code("/api/live/demo"), 401);
  // Unknown sites look the same as known ones: nothing to enumerate.
  EXPECT_EQ(Code("/api/report/nosuchsite"), 401);
  for (const std::string path : {"/dashboard/", "/dashboard/index.html", "/dashboard/x.js",
                                 "//dashboard/", "/./dashboard/index.html"}) {
    auto res = Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 303) << path;
    // Back to this path after the login, its slashes escaped or not.
    const std::string location = res->get_header_value("Location");
    EXPECT_TRUE(location == "/login?next=" + std::string(path) ||
                location == "/login?next=" + httplib::detail::encode_query_param(path))
        << location;
  }
  // Ingest stays public and cross-origin.
  EXPECT_EQ(Code("/healthz"), 200);
  EXPECT_EQ(Code("/config/demo.mcc"), 200);
  EXPECT_EQ(Code("/login"), 200);
  EXPECT_EQ(Code("/login.css"), 200);
  Journeys journeys;
  ASSERT_TRUE(journeys.ok());
  const auto summary = journeys.Summary("purchase", 42);
  auto collected = server_->Post(summary);
  ASSERT_TRUE(collected);
  EXPECT_EQ(collected->status, 202);
  EXPECT_EQ(collected->get_header_value("Access-Control-Allow-Origin"), "*");
  auto preflight = server_->Anonymous().Options("/api/collect");
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->get_header_value("Access-Control-Allow-Origin"), "*");
}

TEST_F(AccessTest, LoginOpensEveryPrivateRouteAndLogoutClosesThem) {
  Serve();
  auto page = Get("/login");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->get_header_value("X-Frame-Options"), "DENY");
  const std::string csrf_cookie = SetCookie(page, "mc_csrf");
  EXPECT_NE(csrf_cookie.find("HttpOnly; SameSite=Strict; Path=/"), std::string::npos);
  EXPECT_EQ(csrf_cookie.find("Secure"), std::string::npos);

  auto login = PostForm(
      "/login", {{"user", "alice"}, {"password", kPassword}, {"next", "/dashboard/?site=demo"}});
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 303) << login->body;
  EXPECT_EQ(login->get_header_value("Location"), "/dashboard/?site=demo");
  const std::string set_cookie = SetCookie(login, "mc_session");
  EXPECT_NE(set_cookie.find("HttpOnly; SameSite=Strict; Path=/"), std::string::npos) << set_cookie;
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos);
  const std::string session = CookiePair(set_cookie);
  ASSERT_EQ(session.size(), std::string("mc_session=").size() + 64);  // 256 bits, hex

  for (const std::string& path : kPrivateApi) {
    auto res = Get(path, Cookie(session));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_FALSE(res->has_header("Access-Control-Allow-Origin")) << path;
  }
  EXPECT_EQ(json::parse(Get("/api/sites", Cookie(session))->body).at("sites"),
            json::array({"demo"}));
  auto dashboard = Get("/dashboard/", Cookie(session));
  ASSERT_TRUE(dashboard);
  EXPECT_EQ(dashboard->status, 200);
  EXPECT_FALSE(dashboard->has_header("Access-Control-Allow-Origin"));
  EXPECT_EQ(Code("/api/report/nosuchsite", Cookie(session)), 404);

  const json me = json::parse(Get("/api/me", Cookie(session))->body);
  EXPECT_EQ(me.at("user"), "alice");
  const std::string csrf = me.at("csrf");
  // A logged-in owner is sent on from the login page.
  EXPECT_EQ(Code("/login", Cookie(session)), 303);

  // Logout is state-changing: without the session's CSRF token it is refused.
  auto refused = server_->Anonymous().Post("/logout", Cookie(session), "",
                                           "application/x-www-form-urlencoded");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  auto wrong = server_->Anonymous().Post("/logout", Cookie(session), Form({{"csrf", "00" + csrf}}),
                                         "application/x-www-form-urlencoded");
  EXPECT_EQ(wrong->status, 403);
  EXPECT_EQ(Code("/api/report/demo", Cookie(session)), 200);
  auto logout = server_->Anonymous().Post("/logout", Cookie(session), Form({{"csrf", csrf}}),
                                          "application/x-www-form-urlencoded");
  ASSERT_TRUE(logout);
  EXPECT_EQ(logout->status, 303);
  EXPECT_EQ(logout->get_header_value("Location"), "/login");
  for (const std::string& path : kPrivateApi) EXPECT_EQ(Code(path, Cookie(session)), 401);
  EXPECT_EQ(Code("/dashboard/", Cookie(session)), 303);
}

TEST_F(AccessTest, LoginRefusesWrongPasswordMissingCsrfAndForeignRedirects) {
  Serve({"--secure-cookies"});
  auto wrong = PostForm("/login", {{"user", "alice"}, {"password", "not the password"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(SetCookie(wrong, "mc_session"), "");
  EXPECT_NE(wrong->body.find("Wrong user name or password."), std::string::npos);
  auto unknown = PostForm("/login", {{"user", "mallory"}, {"password", kPassword}});
  EXPECT_EQ(unknown->status, 401);
  // A form posted from elsewhere has no matching CSRF cookie and field.
  auto no_csrf = PostForm("/login", {{"user", "alice"}, {"password", kPassword}}, "");
  EXPECT_EQ(no_csrf->status, 403);
  EXPECT_EQ(SetCookie(no_csrf, "mc_session"), "");
  auto bad_csrf =
      PostForm("/login", {{"user", "alice"}, {"password", kPassword}}, std::string(64, 'a'));
  EXPECT_EQ(bad_csrf->status, 403);
  auto no_cookie = server_->Anonymous().Post(
      "/login", Form({{"user", "alice"}, {"password", kPassword}, {"csrf", std::string(64, 'a')}}),
      "application/x-www-form-urlencoded");
  EXPECT_EQ(no_cookie->status, 403);
  // After a login the browser goes to the dashboard only, never elsewhere.
  auto login =
      PostForm("/login", {{"user", "alice"}, {"password", kPassword}, {"next", "//evil.test/x"}});
  ASSERT_EQ(login->status, 303);
  EXPECT_EQ(login->get_header_value("Location"), "/dashboard/");
  EXPECT_NE(SetCookie(login, "mc_session").find("; Secure"), std::string::npos);
}

TEST_F(AccessTest, LoginAttemptsAreRateLimitedPerAddress) {
  Serve();
  // Wrong guesses spread over accounts (so the per-account limit is not what
  // stops them): the burst passes, then 429 - give or take the tokens that
  // refilled while the argon2id checks ran.
  const auto start = std::chrono::steady_clock::now();
  int first_limited = -1;
  for (int i = 0; i < 3 * kLoginBurstPerAddress && first_limited < 0; ++i) {
    auto res = PostForm("/login", {{"user", "guess" + std::to_string(i)}, {"password", kPassword}});
    ASSERT_TRUE(res);
    if (res->status == 429)
      first_limited = i;
    else
      EXPECT_EQ(res->status, 401) << i;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(first_limited, kLoginBurstPerAddress);
  EXPECT_LE(first_limited, kLoginBurstPerAddress + seconds / kLoginRefillPerAddressSeconds + 1);
  auto limited = PostForm("/login", {{"user", "alice"}, {"password", kPassword}});
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->get_header_value("Retry-After"), "60");
  EXPECT_EQ(SetCookie(limited, "mc_session"), "");  // even with the right password
}

TEST_F(AccessTest, LoginAttemptsAreRateLimitedPerAccount) {
  Serve();
  for (int i = 0; i < kLoginBurstPerAccount; ++i) {
    EXPECT_EQ(PostForm("/login", {{"user", "alice"}, {"password", "wrong password"}})->status, 401);
  }
  EXPECT_EQ(PostForm("/login", {{"user", "alice"}, {"password", kPassword}})->status, 429);
  // Another account from the same address still may try.
  ASSERT_TRUE(accounts_->AddUser("bob", kPassword).ok());
  EXPECT_NE(LogIn("bob", kPassword), "");
}

TEST_F(AccessTest, SessionsExpireWhenIdle) {
  Serve({"--session-idle", "1"});
  const std::string session = LogIn("alice", kPassword);
  ASSERT_NE(session, "");
  EXPECT_EQ(Code("/api/report/demo", Cookie(session)), 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  EXPECT_EQ(Code("/api/report/demo", Cookie(session)), 401);
  EXPECT_EQ(Code("/dashboard/", Cookie(session)), 303);
}

TEST_F(AccessTest, SessionsExpireAtTheirAbsoluteLimitEvenWhenUsed) {
  Serve({"--session-idle", "60", "--session-max", "2"});
  const std::string session = LogIn("alice", kPassword);
  ASSERT_NE(session, "");
  for (int i = 0; i < 4; ++i) {  // in use every half second: never idle
    EXPECT_EQ(Code("/api/report/demo", Cookie(session)), 200) << i;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(Code("/api/report/demo", Cookie(session)), 401);
}

TEST_F(AccessTest, RemovingAUserOrChangingThePasswordEndsTheirSessions) {
  Serve();
  const std::string first = LogIn("alice", kPassword);
  ASSERT_NE(first, "");
  ASSERT_TRUE(accounts_->SetPassword("alice", "another long password").ok());
  EXPECT_EQ(Code("/api/report/demo", Cookie(first)), 401);
  EXPECT_EQ(LogIn("alice", kPassword), "");
  const std::string second = LogIn("alice", "another long password");
  ASSERT_NE(second, "");
  ASSERT_TRUE(accounts_->RemoveUser("alice").ok());
  EXPECT_EQ(Code("/api/report/demo", Cookie(second)), 401);
}

TEST_F(AccessTest, TokensReadTheirSiteInTheirScopeUntilRevoked) {
  Serve();
  auto read = accounts_->CreateToken("ci", "demo", TokenScope::kRead);
  auto other = accounts_->CreateToken("other", "othersite", TokenScope::kRead);
  auto admin = accounts_->CreateToken("prometheus", "", TokenScope::kAdmin);
  ASSERT_TRUE(read.ok() && other.ok() && admin.ok());
  EXPECT_FALSE(accounts_->CreateToken("x", "", TokenScope::kRead).ok());
  EXPECT_FALSE(accounts_->CreateToken("x", "demo", TokenScope::kAdmin).ok());

  EXPECT_EQ(Code("/api/report/demo", Bearer(read.value())), 200);
  EXPECT_EQ(json::parse(Get("/api/sites", Bearer(read.value()))->body).at("sites"),
            json::array({"demo"}));
  EXPECT_EQ(Code("/metrics", Bearer(read.value())), 403);
  EXPECT_EQ(Code("/dashboard/", Bearer(read.value())), 303);  // tokens are for the API
  // Another site's token: known caller, wrong site.
  auto mismatch = Get("/api/report/demo", Bearer(other.value()));
  EXPECT_EQ(mismatch->status, 403);
  EXPECT_TRUE(mismatch->body.starts_with("forbidden: ")) << mismatch->body;
  EXPECT_EQ(Code("/api/live/demo", Bearer(other.value())), 403);
  EXPECT_EQ(json::parse(Get("/api/sites", Bearer(other.value()))->body).at("sites"), json::array());
  // Admin: metrics, no reports.
  EXPECT_EQ(Code("/metrics", Bearer(admin.value())), 200);
  EXPECT_EQ(Code("/api/report/demo", Bearer(admin.value())), 403);
  EXPECT_EQ(Code("/api/sites", Bearer(admin.value())), 403);
  // The live stream answers a read token (first event, then we hang up).
  std::string events;
  auto live = server_->Anonymous().Get("/api/live/demo", Bearer(read.value()),
                                       [&](const char* data, size_t size) {
                                         events.append(data, size);
                                         return false;
                                       });
  EXPECT_TRUE(events.starts_with("event: live\n")) << events;

  EXPECT_EQ(Code("/api/report/demo", Bearer(read.value() + "0")), 401);
  EXPECT_EQ(Code("/api/report/demo", Bearer("")), 401);
  auto tokens = accounts_->Tokens();
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens.value().size(), 3u);
  ASSERT_TRUE(accounts_->RevokeToken(tokens.value()[0].id).ok());
  EXPECT_EQ(Code("/api/report/demo", Bearer(read.value())), 401);
  ASSERT_TRUE(accounts_->RevokeToken(tokens.value()[2].id).ok());
  EXPECT_EQ(Code("/metrics", Bearer(admin.value())), 401);
  EXPECT_FALSE(accounts_->RevokeToken(tokens.value()[2].id).ok());
}

TEST_F(AccessTest, SharedLinksOpenOneSiteUntilRevoked) {
  std::filesystem::copy_file(dir_.sites() + "/demo.json", dir_.sites() + "/shop.json");
  {
    std::ifstream in(dir_.sites() + "/shop.json");
    json config = json::parse(in);
    config["site"] = "shop";
    std::ofstream(dir_.sites() + "/shop.json") << config.dump();
  }
  Serve();
  auto link = accounts_->CreateShare("demo", "");
  ASSERT_TRUE(link.ok());
  auto opened = Get("/share/" + link.value());
  ASSERT_TRUE(opened);
  ASSERT_EQ(opened->status, 303);
  EXPECT_EQ(opened->get_header_value("Location"), "/dashboard/?site=demo");
  const std::string session = CookiePair(SetCookie(opened, "mc_session"));
  ASSERT_NE(session, "");
  EXPECT_EQ(Code("/dashboard/", Cookie(session)), 200);
  EXPECT_EQ(Code("/api/report/demo", Cookie(session)), 200);
  EXPECT_EQ(Code("/api/report/shop", Cookie(session)), 403);
  EXPECT_EQ(Code("/metrics", Cookie(session)), 403);
  EXPECT_EQ(json::parse(Get("/api/sites", Cookie(session))->body).at("sites"),
            json::array({"demo"}));
  const json me = json::parse(Get("/api/me", Cookie(session))->body);
  EXPECT_TRUE(me.at("user").is_null());
  EXPECT_EQ(me.at("site"), "demo");
  // Owners see both sites.
  const std::string owner = LogIn("alice", kPassword);
  EXPECT_EQ(json::parse(Get("/api/sites", Cookie(owner))->body).at("sites"),
            json::array({"demo", "shop"}));

  auto links = accounts_->Shares();
  ASSERT_TRUE(links.ok());
  ASSERT_TRUE(accounts_->RevokeShare(links.value().at(0).id).ok());
  EXPECT_EQ(Code("/api/report/demo", Cookie(session)), 401);
  EXPECT_EQ(Code("/share/" + link.value()), 404);
  EXPECT_EQ(Code("/share/" + std::string(64, '0')), 404);
}

TEST_F(AccessTest, APasswordSharedLinkAsksForItsPassword) {
  Serve();
  auto link = accounts_->CreateShare("demo", "the shared password");
  ASSERT_TRUE(link.ok());
  const std::string path = "/share/" + link.value();
  auto form = Get(path);
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 200);
  EXPECT_EQ(SetCookie(form, "mc_session"), "");
  EXPECT_EQ(form->body.find("name=\"user\""), std::string::npos);  // password only
  EXPECT_EQ(PostForm(path, {{"password", "wrong"}})->status, 401);
  EXPECT_EQ(PostForm(path, {{"password", "the shared password"}}, "")->status, 403);
  auto opened = PostForm(path, {{"password", "the shared password"}});
  ASSERT_EQ(opened->status, 303);
  EXPECT_EQ(Code("/api/report/demo", Cookie(CookiePair(SetCookie(opened, "mc_session")))), 200);
}

TEST_F(AccessTest, APublicSiteIsReadableByAnyone) {
  Serve({"--public-site", "demo"});
  EXPECT_EQ(Code("/api/report/demo"), 200);
  EXPECT_EQ(Code("/dashboard/"), 200);
  EXPECT_EQ(json::parse(Get("/api/sites")->body).at("sites"), json::array({"demo"}));
  EXPECT_EQ(Code("/metrics"), 401);
  EXPECT_NE(server_->LogText().find("site demo is public"), std::string::npos);
}

TEST_F(AccessTest, TheLogSaysWhenNoAccountExists) {
  ASSERT_TRUE(accounts_->RemoveUser("alice").ok());
  ASSERT_TRUE(accounts_->RemoveUser("owner").ok());  // ServerDir's
  Serve();
  EXPECT_NE(server_->LogText().find("no owner account yet"), std::string::npos)
      << server_->LogText();
}

// The commands themselves: passwords from a file or stdin, never argv; the
// token printed once and stored only as a hash.
TEST_F(AccessTest, UserTokenAndShareCommands) {
  Serve();  // records the site's config: tokens and links are only made for known sites
  const std::string store = "sqlite:" + dir_.store();
  auto run = [&](const std::string& args, const std::string& stdin_text = "") {
    const std::string out = dir_.path() + "/cmd.out";
    const std::string in = dir_.path() + "/cmd.in";
    std::ofstream(in) << stdin_text;
    const int raw = std::system(
        (std::string(MICROCONV_BINARY) + " " + args + " <" + in + " >" + out + " 2>&1").c_str());
    std::ifstream text(out);
    std::stringstream body;
    body << text.rdbuf();
    return std::make_pair(WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, body.str());
  };
  EXPECT_EQ(run("user add carol --store " + store, "carol's password\n").first, 0);
  EXPECT_EQ(run("user add carol --store " + store, "carol's password\n").first, 1);
  EXPECT_EQ(run("user add dave --store " + store, "short\n").first, 1);
  EXPECT_EQ(run("user add carol --password secret --store " + store).first, 2);  // no argv
  std::ofstream(dir_.path() + "/pw") << "dave's password\n";
  EXPECT_EQ(run("user add dave --store " + store + " --password-file " + dir_.path() + "/pw").first,
            0);
  auto list = run("user list --store " + store);
  EXPECT_NE(list.second.find("carol\t"), std::string::npos);
  EXPECT_NE(list.second.find("dave\t"), std::string::npos);
  auto checked = accounts_->CheckPassword("dave", "dave's password");
  ASSERT_TRUE(checked.ok());
  EXPECT_TRUE(checked.value());
  EXPECT_EQ(run("user passwd carol --store " + store, "carol's new password\n").first, 0);
  EXPECT_TRUE(accounts_->CheckPassword("carol", "carol's new password").value());
  EXPECT_EQ(run("user remove carol --store " + store).first, 0);
  EXPECT_EQ(run("user remove carol --store " + store).first, 1);

  auto token = run("token create --store " + store + " --site demo --scope read --name ci");
  ASSERT_EQ(token.first, 0) << token.second;
  ASSERT_TRUE(token.second.starts_with("mct_"));
  const std::string secret = token.second.substr(0, token.second.find('\n'));
  auto found = accounts_->FindToken(secret);
  ASSERT_TRUE(found.ok() && found.value().has_value());
  EXPECT_EQ(found.value()->site, "demo");
  EXPECT_EQ(run("token create --store " + store + " --scope write --site demo").first, 2);
  EXPECT_EQ(run("token list --store " + store).second.find(secret), std::string::npos);
  const std::string accounts = AccountsFile(dir_.store());
  for (const std::string file :
       {dir_.store(), dir_.store() + "-wal", accounts, accounts + "-wal"}) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    EXPECT_EQ(bytes.str().find(secret.substr(4)), std::string::npos) << file;  // only its hash
  }
  EXPECT_EQ(run("token revoke " + std::to_string(found.value()->id) + " --store " + store).first,
            0);
  EXPECT_FALSE(accounts_->FindToken(secret).value().has_value());

  // A misspelt site gets an error, not a link or token that never works.
  auto unknown = run("share create --store " + store + " --site dmeo");
  EXPECT_EQ(unknown.first, 1);
  EXPECT_NE(unknown.second.find("site \"dmeo\" is unknown to this store"), std::string::npos)
      << unknown.second;
  EXPECT_EQ(run("token create --store " + store + " --site dmeo --scope read").first, 1);
  auto share = run("share create --store " + store + " --site demo");
  ASSERT_EQ(share.first, 0) << share.second;
  EXPECT_TRUE(share.second.starts_with("/share/"));
  EXPECT_NE(run("share list --store " + store).second.find("\tdemo\tno\t"), std::string::npos);
  EXPECT_EQ(run("share revoke 1 --store " + store).first, 0);
  EXPECT_EQ(run("share revoke 1 --store " + store).first, 1);
}

}  // namespace
}  // namespace microconv::testing
