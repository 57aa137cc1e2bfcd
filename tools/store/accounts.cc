#include "tools/store/accounts.h"

#include <sodium.h>
#include <sqlite3.h>

#include <algorithm>
#include <mutex>

#include "tools/base/wall_clock.h"
#include "tools/store/sqlite_statement.h"
#include "tools/store/summary_store.h"

namespace microconv {
namespace {

constexpr const char* kAccountsSql = R"sql(
CREATE TABLE IF NOT EXISTS users(
  name TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS login_sessions(
  id_hash TEXT PRIMARY KEY,
  user TEXT NOT NULL,
  share_id INTEGER NOT NULL,
  csrf TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS api_tokens(
  id INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  site TEXT NOT NULL,
  scope TEXT NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS share_links(
  id INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  site TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL);
)sql";

constexpr size_t kSecretBytes = 32;  // 256 bits
constexpr size_t kMaxNameBytes = 64;
// A session's last use is written at most this often (and at least four
// times per idle period), not on every request.
constexpr int64_t kTouchIntervalMs = 60 * 1000;

std::string Hex(const unsigned char* bytes, size_t size) {
  std::string hex(size * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes, size);
  hex.pop_back();
  return hex;
}

// The stored form of a 256-bit secret: BLAKE2b-256, hex.
std::string SecretHash(std::string_view secret) {
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof(digest), reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), nullptr, 0);
  return Hex(digest, sizeof(digest));
}

Result<std::string> HashPassword(std::string_view password) {
  if (password.size() < kMinPasswordBytes || password.size() > kMaxPasswordBytes) {
    return {Error::kOutOfRange, "a password has " + std::to_string(kMinPasswordBytes) + " to " +
                                    std::to_string(kMaxPasswordBytes) + " bytes"};
  }
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return {Error::kUnavailable, "password hashing ran out of memory"};
  }
  return std::string(hash);
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  if (password.size() > kMaxPasswordBytes) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

// What an unknown user's password is checked against, so that a wrong name
// costs the same argon2id work as a wrong password.
const std::string& DummyHash() {
  static const std::string hash = [] {
    auto made = HashPassword(RandomSecret());
    return made.ok() ? made.value() : std::string();
  }();
  return hash;
}

Status CheckName(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= kMaxNameBytes &&
                  std::all_of(name.begin(), name.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                           c == '_' || c == '@' || c == '-';
                  });
  if (ok) return {};
  return {Error::kOutOfRange, "a user name is 1-64 of a-z 0-9 . _ @ -"};
}

template <typename... Args>
void BindAll(Statement& stmt, const Args&... args) {
  int i = 0;
  (stmt.Bind(++i, args), ...);
}

// Runs a statement without rows; the number of rows it changed.
template <typename... Args>
Result<int> Change(sqlite3* db, const char* sql, const Args&... args) {
  Statement stmt(db, sql);
  if (!stmt.ok()) return {Error::kUnavailable, DbError(db, "prepare").message};
  BindAll(stmt, args...);
  if (stmt.Step() != SQLITE_DONE) return {Error::kUnavailable, DbError(db, "write").message};
  return sqlite3_changes(db);
}

Status AsStatus(const Result<int>& changed, const std::string& none) {
  if (!changed.ok()) return {changed.error(), changed.message()};
  if (changed.value() == 0) return {Error::kOutOfRange, none};
  return {};
}

Status Done(const Result<int>& changed) {
  return changed.ok() ? Status{} : Status{changed.error(), changed.message()};
}

// Deletes the row `key` names (kOutOfRange `none` when there is none), then
// the login sessions opened through it.
template <typename Key>
Status DeleteWithSessions(sqlite3* db, const char* row_sql, const char* sessions_sql,
                          const Key& key, const std::string& none) {
  Status removed = AsStatus(Change(db, row_sql, key), none);
  if (!removed.ok()) return removed;
  return Done(Change(db, sessions_sql, key));
}

}  // namespace

std::string_view TokenScopeName(TokenScope scope) {
  return scope == TokenScope::kAdmin ? "admin" : "read";
}

Result<TokenScope> ParseTokenScope(std::string_view name) {
  if (name == "read") return TokenScope::kRead;
  if (name == "admin") return TokenScope::kAdmin;
  return {Error::kOutOfRange, "--scope: expected read or admin"};
}

std::string RandomSecret() {
  unsigned char bytes[kSecretBytes];
  randombytes_buf(bytes, sizeof(bytes));
  return Hex(bytes, sizeof(bytes));
}

bool SecretsEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string AccountsFile(std::string_view store_path) {
  return std::string(store_path) + ".accounts";
}

Result<std::unique_ptr<AccountStore>> AccountStore::Open(std::string_view store_url) {
  using R = Result<std::unique_ptr<AccountStore>>;
  auto store_path = SqlitePath(store_url);
  if (!store_path.ok()) {
    return R(Error::kInvalidConfig, "--store: accounts live in a sqlite:PATH store");
  }
  if (sodium_init() < 0) return R(Error::kUnavailable, "libsodium failed to initialise");
  auto db = OpenSqlite(AccountsFile(store_path.value()));
  if (!db.ok()) return R(db.error(), db.message());
  std::unique_ptr<AccountStore> store(new AccountStore());
  store->db_ = db.value();
  char* error_text = nullptr;
  if (sqlite3_exec(store->db_, kAccountsSql, nullptr, nullptr, &error_text) != SQLITE_OK) {
    std::string message = std::string("create account tables: ") + (error_text ? error_text : "?");
    sqlite3_free(error_text);
    return R(Error::kUnavailable, message);
  }
  return R(std::move(store));
}

AccountStore::~AccountStore() { sqlite3_close(db_); }

Status AccountStore::AddUser(std::string_view name, std::string_view password) {
  if (Status named = CheckName(name); !named.ok()) return named;
  auto hash = HashPassword(password);
  if (!hash.ok()) return {hash.error(), hash.message()};
  std::lock_guard lock(mutex_);
  return AsStatus(Change(db_,
                         "INSERT INTO users(name, password_hash, created_at) VALUES(?1, ?2, ?3) "
                         "ON CONFLICT(name) DO NOTHING",
                         name, hash.value(), NowMs()),
                  "user " + std::string(name) + " exists (microconv user passwd changes it)");
}

Status AccountStore::SetPassword(std::string_view name, std::string_view password) {
  auto hash = HashPassword(password);
  if (!hash.ok()) return {hash.error(), hash.message()};
  std::lock_guard lock(mutex_);
  Status changed = AsStatus(
      Change(db_, "UPDATE users SET password_hash = ?2 WHERE name = ?1", name, hash.value()),
      "no user " + std::string(name));
  if (!changed.ok()) return changed;
  return Done(Change(db_, "DELETE FROM login_sessions WHERE user = ?1", name));
}

Status AccountStore::RemoveUser(std::string_view name) {
  std::lock_guard lock(mutex_);
  return DeleteWithSessions(db_, "DELETE FROM users WHERE name = ?1",
                            "DELETE FROM login_sessions WHERE user = ?1", name,
                            "no user " + std::string(name));
}

Result<std::vector<Account>> AccountStore::Users() {
  std::lock_guard lock(mutex_);
  Statement stmt(db_, "SELECT name, created_at FROM users ORDER BY name");
  if (!stmt.ok()) return {Error::kUnavailable, DbError(db_, "list users").message};
  std::vector<Account> users;
  while (stmt.Step() == SQLITE_ROW) users.push_back({std::string(stmt.Text(0)), stmt.Int(1)});
  return users;
}

Result<uint64_t> AccountStore::CountUsers() {
  auto users = Users();
  if (!users.ok()) return {users.error(), users.message()};
  return static_cast<uint64_t>(users.value().size());
}

Result<bool> AccountStore::CheckPassword(std::string_view name, std::string_view password) {
  std::string hash;
  {
    std::lock_guard lock(mutex_);
    Statement stmt(db_, "SELECT password_hash FROM users WHERE name = ?1");
    if (!stmt.ok()) return {Error::kUnavailable, DbError(db_, "find user").message};
    BindAll(stmt, name);
    if (stmt.Step() == SQLITE_ROW) hash = stmt.Text(0);
  }
  // Hashing runs outside the lock: it takes tens of milliseconds.
  if (hash.empty()) {
    VerifyPassword(DummyHash(), password);
    return false;
  }
  return VerifyPassword(hash, password);
}

Result<std::string> AccountStore::CreateToken(std::string_view name, std::string_view site,
                                              TokenScope scope) {
  if (scope == TokenScope::kRead && site.empty()) {
    return {Error::kOutOfRange, "a read token needs --site"};
  }
  if (scope == TokenScope::kAdmin && !site.empty()) {
    return {Error::kOutOfRange, "an admin token reads /metrics only: no --site"};
  }
  const std::string token = "mct_" + RandomSecret();
  std::lock_guard lock(mutex_);
  auto added = Change(db_,
                      "INSERT INTO api_tokens(token_hash, name, site, scope, created_at) "
                      "VALUES(?1, ?2, ?3, ?4, ?5)",
                      SecretHash(token), name, site, TokenScopeName(scope), NowMs());
  if (!added.ok()) return {added.error(), added.message()};
  return token;
}

Result<std::optional<ApiToken>> AccountStore::FindToken(std::string_view token) {
  std::lock_guard lock(mutex_);
  Statement stmt(db_,
                 "SELECT id, name, site, scope, created_at FROM api_tokens WHERE token_hash = ?1");
  if (!stmt.ok()) return {Error::kUnavailable, DbError(db_, "find token").message};
  BindAll(stmt, SecretHash(token));
  if (stmt.Step() != SQLITE_ROW) return std::optional<ApiToken>();
  auto scope = ParseTokenScope(stmt.Text(3));
  if (!scope.ok()) return std::optional<ApiToken>();
  return std::optional<ApiToken>(ApiToken{stmt.Int(0), std::string(stmt.Text(1)),
                                          std::string(stmt.Text(2)), scope.value(), stmt.Int(4)});
}

Result<std::vector<ApiToken>> AccountStore::Tokens() {
  std::lock_guard lock(mutex_);
  Statement stmt(db_, "SELECT id, name, site, scope, created_at FROM api_tokens ORDER BY id");
  if (!stmt.ok()) return {Error::kUnavailable, DbError(db_, "list tokens").message};
  std::vector<ApiToken> tokens;
  while (stmt.Step() == SQLITE_ROW) {
    auto scope = ParseTokenScope(stmt.Text(3));
    tokens.push_back({stmt.Int(0), std::string(stmt.Text(1)), std::string(stmt.Text(2)),
                      scope.ok() ? scope.value() : TokenScope::kRead, stmt.Int(4)});
  }
  return tokens;
}

Status AccountStore::RevokeToken(int64_t id) {
  std::lock_guard lock(mutex_);
  return AsStatus(Change(db_, "DELETE FROM api_tokens WHERE id = ?1", id),
                  "no token " + std::to_string(id));
}

Result<std::string> AccountStore::CreateShare(std::string_view site, std::string_view password) {
  std::string hash;
  if (!password.empty()) {
    auto made = HashPassword(password);
    if (!made.ok()) return {made.error(), made.message()};
    hash = made.value();
  }
  const std::string token = RandomSecret();
  std::lock_guard lock(mutex_);
  auto added = Change(db_,
                      "INSERT INTO share_links(token_hash, site, password_hash, created_at) "
                      "VALUES(?1, ?2, ?3, ?4)",
                      SecretHash(token), site, hash, NowMs());
  if (!added.ok()) return {added.error(), added.message()};
  return token;
}

Result<std::optional<ShareLink>> AccountStore::FindShare(std::string_view token) {
  std::lock_guard lock(mutex_);
  Statement stmt(
      db_, "SELECT id, site, password_hash, created_at FROM share_links WHERE token_hash = ?1");
  if (!stmt.ok()) return {Error::kUnavailable, DbError(db_, "find link").message};
  BindAll(stmt, SecretHash(token));
  if (stmt.Step() != SQLITE_ROW) return std::optional<ShareLink>();
  return std::optional<ShareLink>(
      ShareLink{stmt.Int(0), std::string(stmt.Text(1)), std::string(stmt.Text(2)), stmt.Int(3)});
}

Result<std::vector<ShareLink>> AccountStore::Shares() {
  std::lock_guard lock(mutex_);
  Statement stmt(db_, "SELECT id, site, password_hash, created_at FROM share_links ORDER BY id");
  if (!stmt.ok()) return {Error::kUnavailable, DbError(db_, "list links").message};
  std::vector<ShareLink> links;
  while (stmt.Step() == SQLITE_ROW) {
    links.push_back(
        {stmt.Int(0), std::string(stmt.Text(1)), std::string(stmt.Text(2)), stmt.Int(3)});
  }
  return links;
}

Status AccountStore::RevokeShare(int64_t id) {
  std::lock_guard lock(mutex_);
  return DeleteWithSessions(db_, "DELETE FROM share_links WHERE id = ?1",
                            "DELETE FROM login_sessions WHERE share_id = ?1", id,
                            "no shared link " + std::to_string(id));
}

Result<SiteAccessRows> AccountStore::DeleteSiteAccess(std::string_view site) {
  std::lock_guard lock(mutex_);
  if (Status begin = Exec(db_, "BEGIN IMMEDIATE"); !begin.ok()) return {begin.error, begin.message};
  SiteAccessRows deleted;
  auto sessions = Change(db_,
                         "DELETE FROM login_sessions WHERE share_id != 0 AND share_id IN "
                         "(SELECT id FROM share_links WHERE site = ?1)",
                         site);
  auto shares = Change(db_, "DELETE FROM share_links WHERE site = ?1", site);
  auto tokens = Change(db_, "DELETE FROM api_tokens WHERE site = ?1", site);
  for (const Result<int>* changed : {&sessions, &shares, &tokens}) {
    if (!changed->ok()) {
      Exec(db_, "ROLLBACK");
      return {changed->error(), changed->message()};
    }
  }
  if (Status commit = Exec(db_, "COMMIT"); !commit.ok()) {
    Exec(db_, "ROLLBACK");
    return {commit.error, commit.message};
  }
  deleted.sessions = static_cast<uint64_t>(sessions.value());
  deleted.shares = static_cast<uint64_t>(shares.value());
  deleted.tokens = static_cast<uint64_t>(tokens.value());
  return deleted;
}

bool AccountStore::CheckSharePassword(const ShareLink& link, std::string_view password) {
  return link.password_hash.empty() || VerifyPassword(link.password_hash, password);
}

Result<NewSession> AccountStore::StartSession(std::string_view user, int64_t share_id,
                                              int64_t now_ms, const SessionLimits& limits) {
  NewSession session{RandomSecret(), RandomSecret()};
  std::lock_guard lock(mutex_);
  // Sessions abandoned without a logout go here, so the table stays small.
  auto purged = Change(db_, "DELETE FROM login_sessions WHERE created_at < ?1 OR last_seen < ?2",
                       now_ms - limits.absolute_ms, now_ms - limits.idle_ms);
  if (!purged.ok()) return {purged.error(), purged.message()};
  auto added = Change(db_,
                      "INSERT INTO login_sessions(id_hash, user, share_id, csrf, created_at, "
                      "last_seen) VALUES(?1, ?2, ?3, ?4, ?5, ?5)",
                      SecretHash(session.secret), user, share_id, session.csrf, now_ms);
  if (!added.ok()) return {added.error(), added.message()};
  return session;
}

Result<std::optional<LoginSession>> AccountStore::FindSession(std::string_view secret,
                                                              int64_t now_ms,
                                                              const SessionLimits& limits) {
  using R = Result<std::optional<LoginSession>>;
  const std::string id_hash = SecretHash(secret);
  std::lock_guard lock(mutex_);
  // A session whose user or link is gone does not join: it is dead too.
  Statement stmt(db_, R"sql(
SELECT s.user, s.share_id, s.csrf, s.created_at, s.last_seen, COALESCE(l.site, '')
FROM login_sessions s
LEFT JOIN users u ON s.share_id = 0 AND u.name = s.user
LEFT JOIN share_links l ON s.share_id != 0 AND l.id = s.share_id
WHERE s.id_hash = ?1 AND (u.name IS NOT NULL OR l.id IS NOT NULL))sql");
  if (!stmt.ok()) return R(Error::kUnavailable, DbError(db_, "find session").message);
  BindAll(stmt, id_hash);
  if (stmt.Step() != SQLITE_ROW) return std::optional<LoginSession>();
  LoginSession session{std::string(stmt.Text(0)), stmt.Int(1), std::string(stmt.Text(5)),
                       std::string(stmt.Text(2))};
  const int64_t created = stmt.Int(3);
  const int64_t last_seen = stmt.Int(4);
  if (now_ms - created > limits.absolute_ms || now_ms - last_seen > limits.idle_ms) {
    auto ended = Change(db_, "DELETE FROM login_sessions WHERE id_hash = ?1", id_hash);
    if (!ended.ok()) return R(ended.error(), ended.message());
    return std::optional<LoginSession>();
  }
  if (now_ms - last_seen > std::min(kTouchIntervalMs, limits.idle_ms / 4)) {
    auto touched =
        Change(db_, "UPDATE login_sessions SET last_seen = ?2 WHERE id_hash = ?1", id_hash, now_ms);
    if (!touched.ok()) return R(touched.error(), touched.message());
  }
  return std::optional<LoginSession>(std::move(session));
}

Status AccountStore::EndSession(std::string_view secret) {
  std::lock_guard lock(mutex_);
  return Done(Change(db_, "DELETE FROM login_sessions WHERE id_hash = ?1", SecretHash(secret)));
}

}  // namespace microconv
