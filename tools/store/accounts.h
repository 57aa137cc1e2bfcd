// Who may read the dashboard and the report API: owner accounts, login
// sessions, API tokens and shared links, in their own SQLite file next to
// the store (AccountsFile: PATH.accounts), so the CLI and a running
// collector see the same rows; `microconv backup` copies both files.
//
// Secrets never rest in the file: passwords as argon2id strings
// (libsodium crypto_pwhash_str, interactive limits), session ids, API
// tokens and shared-link tokens (256 random bits each, so a fast hash is
// enough) as BLAKE2b-256 hex. A secret is shown once, when it is made.
//
// Tables:
//   users(name, password_hash, created_at)
//   login_sessions(id_hash, user, share_id, csrf, created_at, last_seen)
//       user = '' for a shared-link session; removed with its user or link
//   api_tokens(id, token_hash, name, site, scope, created_at)
//   share_links(id, token_hash, site, password_hash, created_at)
#ifndef MICROCONV_TOOLS_STORE_ACCOUNTS_H_
#define MICROCONV_TOOLS_STORE_ACCOUNTS_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

struct sqlite3;

namespace microconv {

// What a token may do: read one site's report and live stream, or read
// /metrics (an operator's scraper; it reads no site).
enum class TokenScope { kRead, kAdmin };
std::string_view TokenScopeName(TokenScope scope);
Result<TokenScope> ParseTokenScope(std::string_view name);

struct Account {
  std::string name;
  int64_t created_ms = 0;
};

struct ApiToken {
  int64_t id = 0;
  std::string name;
  std::string site;  // empty for kAdmin
  TokenScope scope = TokenScope::kRead;
  int64_t created_ms = 0;
};

struct ShareLink {
  int64_t id = 0;
  std::string site;
  std::string password_hash;  // empty: no password
  int64_t created_ms = 0;
};

// What deleting a site removed from the accounts.
struct SiteAccessRows {
  uint64_t tokens = 0;
  uint64_t shares = 0;
  uint64_t sessions = 0;  // browsers opened with those links
};

// A logged-in browser: an owner (user set) or a shared link's visitor
// (share_site set: that site only).
struct LoginSession {
  std::string user;
  int64_t share_id = 0;
  std::string share_site;
  std::string csrf;  // the per-session token every state-changing request carries
};

// A fresh session: the secret goes into the cookie, nowhere else.
struct NewSession {
  std::string secret;
  std::string csrf;
};

// How long a session lives: since its last use and since its login.
struct SessionLimits {
  int64_t idle_ms = 2 * 3600 * 1000;
  int64_t absolute_ms = 24 * 3600 * 1000;
};

inline constexpr size_t kMinPasswordBytes = 10;
inline constexpr size_t kMaxPasswordBytes = 1024;

// 32 random bytes as 64 hex digits (libsodium randombytes_buf).
std::string RandomSecret();
// Constant-time equality of two secrets.
bool SecretsEqual(std::string_view a, std::string_view b);

// The accounts' own SQLite file next to the summary store's PATH: a damaged
// summary store must not lock the owner out of /metrics and the dashboard's
// damage report, and a backup of one is not a copy of the other's secrets.
std::string AccountsFile(std::string_view store_path);

class AccountStore {
 public:
  // The accounts of a --store value ("sqlite:PATH"; the file is created
  // when missing). Initialises libsodium.
  static Result<std::unique_ptr<AccountStore>> Open(std::string_view store_url);
  ~AccountStore();
  AccountStore(const AccountStore&) = delete;
  AccountStore& operator=(const AccountStore&) = delete;

  // Names: 1-64 of [a-z0-9._@-]; passwords kMinPasswordBytes to
  // kMaxPasswordBytes. kOutOfRange for a bad name or password, an existing
  // (add) or unknown (passwd, remove) user. passwd and remove end the user's
  // sessions.
  Status AddUser(std::string_view name, std::string_view password);
  Status SetPassword(std::string_view name, std::string_view password);
  Status RemoveUser(std::string_view name);
  Result<std::vector<Account>> Users();
  Result<uint64_t> CountUsers();
  // true when the user exists and the password is theirs. An unknown user
  // costs the same argon2id work, so timing does not tell names apart.
  Result<bool> CheckPassword(std::string_view name, std::string_view password);

  // Returns the token (shown once); site is required for kRead and refused
  // for kAdmin.
  Result<std::string> CreateToken(std::string_view name, std::string_view site, TokenScope scope);
  Result<std::optional<ApiToken>> FindToken(std::string_view token);
  Result<std::vector<ApiToken>> Tokens();
  Status RevokeToken(int64_t id);  // kOutOfRange when there is no such token

  // Returns the link's token (shown once); an empty password: none.
  Result<std::string> CreateShare(std::string_view site, std::string_view password);
  Result<std::optional<ShareLink>> FindShare(std::string_view token);
  Result<std::vector<ShareLink>> Shares();
  Status RevokeShare(int64_t id);  // also ends the sessions opened with it
  static bool CheckSharePassword(const ShareLink& link, std::string_view password);

  // Deletes the site's read tokens and shared links, and the sessions opened
  // with those links, in one transaction (microconv site delete).
  Result<SiteAccessRows> DeleteSiteAccess(std::string_view site);

  // A session for `user` (share_id 0) or for a shared link (user empty);
  // expired sessions are deleted first.
  Result<NewSession> StartSession(std::string_view user, int64_t share_id, int64_t now_ms,
                                  const SessionLimits& limits);
  // The session of a cookie's secret, or nullopt when unknown or expired
  // (an expired one is deleted). Refreshes its last use now and then.
  Result<std::optional<LoginSession>> FindSession(std::string_view secret, int64_t now_ms,
                                                  const SessionLimits& limits);
  Status EndSession(std::string_view secret);

 private:
  AccountStore() = default;

  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

}  // namespace microconv

#endif  // MICROCONV_TOOLS_STORE_ACCOUNTS_H_
