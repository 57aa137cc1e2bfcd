#include "tools/serve/access.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/json_writer.h"
#include "tools/base/wall_clock.h"
#include "tools/serve/event_log.h"

namespace microconv {
namespace {

constexpr const char* kSessionCookie = "mc_session";
constexpr const char* kCsrfCookie = "mc_csrf";
constexpr int kCsrfCookieSeconds = 3600;  // a login form left open this long must be reloaded
constexpr const char* kDashboard = "/dashboard/";

// A 4xx in the API's plain-text form ("unauthorized: ...").
void Deny(Response& res, int status, const std::string& reason, const std::string& message) {
  res.status = status;
  res.SetHeader("Cache-Control", "no-store");
  res.SetContent(reason + ": " + message, "text/plain");
}

void Unauthorized(Response& res) {
  Deny(res, 401, "unauthorized", "log in, or send Authorization: Bearer TOKEN");
}

void RedirectTo(Response& res, const std::string& to) {
  res.status = 303;
  res.SetHeader("Location", to);
  res.SetHeader("Cache-Control", "no-store");
}

std::string EscapeHtml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A value of the request's Cookie header, or "".
std::string CookieValue(const Request& req, const std::string& name) {
  const std::string header = req.Header("Cookie");
  size_t at = 0;
  while (at < header.size()) {
    size_t end = header.find(';', at);
    if (end == std::string::npos) end = header.size();
    std::string pair = header.substr(at, end - at);
    pair.erase(0, pair.find_first_not_of(' '));
    if (pair.size() > name.size() && pair.compare(0, name.size(), name) == 0 &&
        pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    at = end + 1;
  }
  return "";
}

std::string FormValue(const HeaderList& form, const std::string& name) {
  for (const auto& [key, value] : form) {
    if (key == name) return value;
  }
  return "";
}

HeaderList ParseForm(const Request& req) { return ParseUrlEncoded(req.body); }

// Where a login may send the browser on: the dashboard only, never another
// origin ("//evil", "/\evil").
std::string SafeNext(const std::string& next) {
  if (next.starts_with(kDashboard) && next.find("//") == std::string::npos &&
      next.find('\\') == std::string::npos) {
    return next;
  }
  return kDashboard;
}

// A shared link's token: 1 to 128 lowercase hex digits.
bool IsShareToken(const std::string& token) {
  return !token.empty() && token.size() <= 128 &&
         std::all_of(token.begin(), token.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The site of /api/report/SITE and /api/live/SITE.
std::string PathSite(const std::string& path, const std::string& prefix) {
  return path.substr(prefix.size(), path.find('/', prefix.size()) - prefix.size());
}

// The path with "//" and "/./" collapsed: the static mount at "/" serves
// "//dashboard/" and "/./dashboard/" from the dashboard's folder too.
std::string CanonicalPath(std::string path) {
  for (const std::string twin : {"//", "/./"}) {
    for (size_t at = path.find(twin); at != std::string::npos; at = path.find(twin, at)) {
      path.erase(at, twin.size() - 1);
    }
  }
  return path;
}

}  // namespace

Access::Access(AccessOptions options, AccountStore& accounts)
    : options_(std::move(options)),
      accounts_(accounts),
      per_address_(1 / kLoginRefillPerAddressSeconds, kLoginBurstPerAddress),
      per_account_(1 / kLoginRefillPerAccountSeconds, kLoginBurstPerAccount) {}

void Access::Routes(HttpServer& svr) {
  svr.Get("/login", [this](const auto& req, auto& res) { LoginPage(req, res); });
  svr.Post("/login", [this](const auto& req, auto& res) { Login(req, res); });
  svr.Post("/logout", [this](const auto& req, auto& res) { Logout(req, res); });
  svr.Get("/api/me", [this](const auto& req, auto& res) { Me(req, res); });
  svr.Get("/share/{}", [this](const auto& req, auto& res) {
    if (!IsShareToken(req.matches[1])) return Deny(res, 404, "not_found", "no such link");
    SharePage(req, res);
  });
  svr.Post("/share/{}", [this](const auto& req, auto& res) {
    if (!IsShareToken(req.matches[1])) return Deny(res, 404, "not_found", "no such link");
    ShareLogin(req, res);
  });
}

Access::Caller Access::Identify(const Request& req) {
  Caller caller;
  const std::string authorization = req.Header("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.starts_with(kBearer)) {
    caller.presented = true;
    auto token = accounts_.FindToken(authorization.substr(kBearer.size()));
    if (!token.ok()) LogEvent("access: " + token.message());
    if (token.ok() && token.value().has_value()) {
      const ApiToken& found = *token.value();
      caller.admin = found.scope == TokenScope::kAdmin;
      if (found.scope == TokenScope::kRead) caller.site = found.site;
    }
  }
  const std::string secret = CookieValue(req, kSessionCookie);
  if (!secret.empty()) {
    caller.presented = true;
    auto session = accounts_.FindSession(secret, NowMs(), options_.session);
    if (!session.ok()) LogEvent("access: " + session.message());
    if (session.ok() && session.value().has_value()) {
      const LoginSession& found = *session.value();
      caller.user = found.user;
      if (found.share_id != 0) caller.site = found.share_site;
      caller.csrf = found.csrf;
      caller.secret = secret;
    }
  }
  return caller;
}

bool Access::IsPublic(const std::string& site) const {
  return std::find(options_.public_sites.begin(), options_.public_sites.end(), site) !=
         options_.public_sites.end();
}

bool Access::MayRead(const Caller& caller, const std::string& site) const {
  return !caller.user.empty() || caller.site == site || IsPublic(site);
}

ClientAddress Access::ClientOf(const Request& req) const {
  ForwardedHeaders headers;
  if (!options_.trusted_proxies.empty()) {
    headers = {req.HeaderValues("X-Forwarded-For"), req.HeaderValues("X-Forwarded-Proto"),
               req.HeaderValues("Forwarded")};
  }
  return ResolveClient(options_.trusted_proxies, options_.forwarded_header, req.peer_address,
                       headers);
}

bool Access::Gate(const Request& req, Response& res) {
  // Counted here, the one hook every request passes once; no address is
  // logged, only that the proxy in front writes what we cannot read.
  if (ClientOf(req).malformed && forwarded_malformed_.fetch_add(1) == 0) {
    LogEvent(
        "serve: a trusted proxy sent an unreadable forwarded header (counted in "
        "microconv_forwarded_malformed_total); check its configuration");
  }
  const std::string path = CanonicalPath(req.path);
  if (path.starts_with("/dashboard")) {
    // The dashboard's files hold no data; still, nobody without a site to
    // read sees more than the login page.
    const Caller caller = Identify(req);
    if (!caller.user.empty() || !caller.csrf.empty() || !options_.public_sites.empty()) {
      return false;
    }
    RedirectTo(res, "/login?next=" + PercentEncode(req.target));
    return true;
  }
  for (const std::string prefix : {"/api/report/", "/api/live/"}) {
    if (!path.starts_with(prefix)) continue;
    const Caller caller = Identify(req);
    if (MayRead(caller, PathSite(path, prefix))) return false;
    if (caller.user.empty() && caller.site.empty() && !caller.admin) {
      Unauthorized(res);
    } else {
      Deny(res, 403, "forbidden", "these credentials do not read this site");
    }
    return true;
  }
  // Journey replays are the owner's: a shared link or a public site shows
  // reports, never single sessions.
  if (path.starts_with("/api/replays/")) {
    const Caller caller = Identify(req);
    if (!caller.user.empty()) return false;
    if (caller.site.empty() && !caller.admin) {
      Unauthorized(res);
    } else {
      Deny(res, 403, "forbidden", "replays need an owner's login");
    }
    return true;
  }
  if (path == "/api/sites") {
    const Caller caller = Identify(req);
    if (!caller.user.empty() || !caller.site.empty() || !options_.public_sites.empty()) {
      return false;
    }
    if (caller.admin) {
      Deny(res, 403, "forbidden", "an admin token reads /metrics only");
    } else {
      Unauthorized(res);
    }
    return true;
  }
  if (path == "/metrics") {
    const Caller caller = Identify(req);
    if (!caller.user.empty() || caller.admin) return false;
    if (caller.site.empty()) {
      Unauthorized(res);
    } else {
      Deny(res, 403, "forbidden", "/metrics needs an admin token or an owner's login");
    }
    return true;
  }
  return false;
}

std::vector<std::string> Access::ReadableSites(const Request& req,
                                               const std::vector<std::string>& all) {
  const Caller caller = Identify(req);
  std::vector<std::string> readable;
  for (const std::string& site : all) {
    if (MayRead(caller, site)) readable.push_back(site);
  }
  return readable;
}

std::string Access::Cookie(const Request& req, const std::string& name, const std::string& value,
                           int max_age_seconds) const {
  std::string cookie = name + "=" + value + "; HttpOnly; SameSite=Strict; Path=/";
  if (max_age_seconds >= 0) cookie += "; Max-Age=" + std::to_string(max_age_seconds);
  if (options_.secure_cookies || ClientOf(req).https) {
    cookie += "; Secure";
  }
  return cookie;
}

void Access::RenderForm(const Request& req, Response& res, int status, const std::string& action,
                        bool with_user, const std::string& message) {
  std::string page = ReadFile(options_.login_page);
  if (page.empty()) {
    return Deny(res, 503, "unavailable", "the login page is not built: " + options_.login_page);
  }
  if (!with_user) {
    const size_t begin = page.find("<!--user-->");
    const size_t end = page.find("<!--/user-->");
    if (begin != std::string::npos && end != std::string::npos && end > begin) {
      page.erase(begin, end + std::string_view("<!--/user-->").size() - begin);
    }
  }
  const std::string csrf = RandomSecret();
  ReplaceAll(page, "{{TITLE}}", with_user ? "Log in" : "Shared dashboard");
  ReplaceAll(page, "{{ACTION}}", EscapeHtml(action));
  ReplaceAll(page, "{{CSRF}}", csrf);
  // From the query (GET /login?next=) or, redrawn after a failed POST, the form.
  std::string next = req.Param("next");
  if (next.empty() && req.method == "POST") next = FormValue(ParseForm(req), "next");
  ReplaceAll(page, "{{NEXT}}", EscapeHtml(SafeNext(next)));
  ReplaceAll(page, "{{MESSAGE}}", EscapeHtml(message));
  res.status = status;
  res.AddHeader("Set-Cookie", Cookie(req, kCsrfCookie, csrf, kCsrfCookieSeconds));
  res.SetHeader("Cache-Control", "no-store");
  // Not framed anywhere (clickjacking of the password form).
  res.SetHeader("X-Frame-Options", "DENY");
  // Strict: no script at all, styles and the form's target on this origin.
  res.SetHeader("Content-Security-Policy",
                "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; "
                "frame-ancestors 'none'");
  res.SetContent(page, "text/html; charset=utf-8");
}

void Access::LoginPage(const Request& req, Response& res) {
  if (!Identify(req).user.empty()) return RedirectTo(res, SafeNext(req.Param("next")));
  RenderForm(req, res, 200, "/login", true, "");
}

bool Access::AdmitAttempt(const Request& req, Response& res, const std::string& action,
                          bool with_user, const std::string& account_key) {
  const HeaderList form = ParseForm(req);
  if (!SecretsEqual(FormValue(form, "csrf"), CookieValue(req, kCsrfCookie))) {
    RenderForm(req, res, 403, action, with_user, "The form expired. Please try again.");
    return false;
  }
  const auto now = RateLimiter::Clock::now();
  // Both buckets are charged, so one address cannot spread guesses over
  // accounts and many addresses cannot pile onto one account.
  const bool address_ok = per_address_.Allow(ClientOf(req).address, now);
  const bool account_ok = per_account_.Allow(account_key, now);
  if (!address_ok || !account_ok) {
    RenderForm(req, res, 429, action, with_user, "Too many attempts. Wait a minute.");
    res.SetHeader("Retry-After", "60");
    return false;
  }
  return true;
}

void Access::Login(const Request& req, Response& res) {
  const HeaderList form = ParseForm(req);
  const std::string user = FormValue(form, "user");
  if (!AdmitAttempt(req, res, "/login", true, "user:" + user)) return;
  Result<bool> checked = false;
  {
    hashing_.acquire();
    checked = accounts_.CheckPassword(user, FormValue(form, "password"));
    hashing_.release();
  }
  if (!checked.ok()) {
    LogEvent("access: " + checked.message());
    return RenderForm(req, res, 503, "/login", true, "The store is unavailable. Try again.");
  }
  if (!checked.value()) {
    return RenderForm(req, res, 401, "/login", true, "Wrong user name or password.");
  }
  StartSession(req, res, user, 0, SafeNext(FormValue(form, "next")));
}

void Access::StartSession(const Request& req, Response& res, const std::string& user,
                          int64_t share_id, const std::string& to) {
  auto session = accounts_.StartSession(user, share_id, NowMs(), options_.session);
  if (!session.ok()) {
    LogEvent("access: " + session.message());
    return Deny(res, 503, "store_unavailable", "");
  }
  // A new id at every login: a session id planted before it is worthless.
  res.AddHeader("Set-Cookie", Cookie(req, kSessionCookie, session.value().secret, -1));
  res.AddHeader("Set-Cookie", Cookie(req, kCsrfCookie, "", 0));
  RedirectTo(res, to);
}

void Access::Logout(const Request& req, Response& res) {
  const Caller caller = Identify(req);
  if (caller.secret.empty()) return RedirectTo(res, "/login");
  const HeaderList form = ParseForm(req);
  std::string token = req.Header("X-CSRF-Token");
  if (token.empty()) token = FormValue(form, "csrf");
  if (!SecretsEqual(token, caller.csrf)) {
    return Deny(res, 403, "forbidden", "missing or wrong CSRF token");
  }
  Status ended = accounts_.EndSession(caller.secret);
  if (!ended.ok()) LogEvent("access: " + ended.message);
  res.AddHeader("Set-Cookie", Cookie(req, kSessionCookie, "", 0));
  RedirectTo(res, "/login");
}

void Access::Me(const Request& req, Response& res) {
  const Caller caller = Identify(req);
  JsonWriter json;
  json.BeginObject(false);
  json.Key("user");
  caller.user.empty() ? json.Null() : json.String(caller.user);
  json.Key("site");
  caller.site.empty() ? json.Null() : json.String(caller.site);
  json.Key("csrf");
  caller.csrf.empty() ? json.Null() : json.String(caller.csrf);
  json.EndObject();
  res.SetHeader("Cache-Control", "no-store");
  res.SetContent(std::move(json).Take(), "application/json");
}

void Access::SharePage(const Request& req, Response& res) {
  auto link = accounts_.FindShare(req.matches[1]);
  if (!link.ok()) return Deny(res, 503, "store_unavailable", "");
  if (!link.value().has_value()) return Deny(res, 404, "not_found", "this link was revoked");
  const ShareLink& found = *link.value();
  if (found.password_hash.empty()) {
    return StartSession(req, res, "", found.id, std::string(kDashboard) + "?site=" + found.site);
  }
  RenderForm(req, res, 200, req.path, false, "This dashboard is shared with a password.");
}

void Access::ShareLogin(const Request& req, Response& res) {
  auto link = accounts_.FindShare(req.matches[1]);
  if (!link.ok()) return Deny(res, 503, "store_unavailable", "");
  if (!link.value().has_value()) return Deny(res, 404, "not_found", "this link was revoked");
  const ShareLink& found = *link.value();
  if (!AdmitAttempt(req, res, req.path, false, "share:" + std::to_string(found.id))) return;
  bool ok;
  {
    hashing_.acquire();
    ok = AccountStore::CheckSharePassword(found, FormValue(ParseForm(req), "password"));
    hashing_.release();
  }
  if (!ok) return RenderForm(req, res, 401, req.path, false, "Wrong password.");
  StartSession(req, res, "", found.id, std::string(kDashboard) + "?site=" + found.site);
}

}  // namespace microconv
