// Who may read what on the collector (issue 10 point 1). Ingest stays
// public: /api/collect, the tracker's files, /config/SITE.mcc, /healthz.
// Everything else needs a caller:
// - an owner's login session (cookie `mc_session`: HttpOnly,
//   SameSite=Strict, Path=/, Secure behind TLS): every site, /metrics;
// - a shared link's session (same cookie): that link's site only;
// - `Authorization: Bearer` with an API token: scope read -> one site's
//   report and live stream; scope admin -> /metrics;
// - nobody, for a site opened with --public-site.
// Without one, /dashboard/ redirects to /login and the API answers 401
// (403 when the caller is known but may not read that).
//
// CSRF: the login and shared-link password forms carry a double-submit
// token (cookie `mc_csrf` = form field); logout carries the session's own
// token (from /api/me). Logins are rate limited per address and per account,
// and at most kConcurrentHashes argon2id checks run at once (64 MiB each).
#ifndef MICROCONV_TOOLS_SERVE_ACCESS_H_
#define MICROCONV_TOOLS_SERVE_ACCESS_H_

#include <atomic>
#include <semaphore>
#include <string>
#include <vector>

#include "tools/serve/client_address.h"
#include "tools/serve/http_server.h"
#include "tools/serve/rate_limiter.h"
#include "tools/store/accounts.h"

namespace microconv {

struct AccessOptions {
  // Cookies get Secure on every response (a TLS proxy in front), not only
  // when a trusted proxy says the client used HTTPS.
  bool secure_cookies = false;
  // --trust-proxy: whose forwarded headers name the client (client_address.h).
  TrustedProxies trusted_proxies;
  ForwardedHeader forwarded_header = ForwardedHeader::kXForwardedFor;
  std::vector<std::string> public_sites;  // readable without a login
  SessionLimits session;
  std::string login_page;  // the login.html template
};

// Login attempts: a burst, then one more per refill interval.
inline constexpr double kLoginBurstPerAddress = 10;
inline constexpr double kLoginRefillPerAddressSeconds = 6;  // 10 a minute
inline constexpr double kLoginBurstPerAccount = 5;
inline constexpr double kLoginRefillPerAccountSeconds = 30;  // 2 a minute
inline constexpr int kConcurrentHashes = 2;

class Access {
 public:
  Access(AccessOptions options, AccountStore& accounts);

  // /login (GET, POST), /logout (POST), /api/me, /share/TOKEN (GET, POST),
  // /login.css.
  void Routes(HttpServer& server);
  // For the pre-routing handler: true when the request was answered here
  // (401, 403 or a redirect to /login).
  bool Gate(const Request& req, Response& res);
  // The sites of `all` this request may read (the site picker's list).
  std::vector<std::string> ReadableSites(const Request& req, const std::vector<std::string>& all);
  // The client behind any trusted proxy: every per-address decision keys on
  // its address, never on the socket's.
  ClientAddress ClientOf(const Request& req) const;
  // Requests whose trusted proxy sent an unreadable forwarded header.
  uint64_t forwarded_malformed() const { return forwarded_malformed_.load(); }

 private:
  struct Caller {
    std::string user;        // an owner's session
    std::string site;        // a shared link's session or a read token: that site
    bool admin = false;      // an admin token
    bool presented = false;  // a cookie or token was sent, valid or not
    std::string csrf;        // the session's token
    std::string secret;      // the session cookie's value
  };
  Caller Identify(const Request& req);
  bool MayRead(const Caller& caller, const std::string& site) const;
  bool IsPublic(const std::string& site) const;

  void LoginPage(const Request& req, Response& res);
  void Login(const Request& req, Response& res);
  void Logout(const Request& req, Response& res);
  void Me(const Request& req, Response& res);
  void SharePage(const Request& req, Response& res);
  void ShareLogin(const Request& req, Response& res);
  // The login template for a form posting to `action`; with_user: the
  // user-name field is kept. Sets a fresh pre-login CSRF cookie.
  void RenderForm(const Request& req, Response& res, int status, const std::string& action,
                  bool with_user, const std::string& message);
  // Starts a session and redirects to `to`.
  void StartSession(const Request& req, Response& res, const std::string& user, int64_t share_id,
                    const std::string& to);
  // The double-submit check of a pre-login form, then the rate limits;
  // false when it answered.
  bool AdmitAttempt(const Request& req, Response& res, const std::string& action, bool with_user,
                    const std::string& account_key);
  std::string Cookie(const Request& req, const std::string& name, const std::string& value,
                     int max_age_seconds) const;

  AccessOptions options_;
  AccountStore& accounts_;
  RateLimiter per_address_;
  RateLimiter per_account_;
  std::counting_semaphore<kConcurrentHashes> hashing_{kConcurrentHashes};
  std::atomic<uint64_t> forwarded_malformed_{0};
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_SERVE_ACCESS_H_
