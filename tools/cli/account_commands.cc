// microconv user | token | share: the accounts of a store (tools/store/
// accounts.h), managed offline next to a running collector (same SQLite
// file; a removed user or revoked link ends its sessions at once).
// Passwords come from --password-file or standard input, never from argv
// (argv is visible to every user of the machine in /proc).
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>
#include <string>

#include "tools/base/flags.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/cli_io.h"
#include "tools/store/accounts.h"
#include "tools/store/summary_store.h"

namespace microconv {
namespace {

constexpr const char* kUserUsage =
    "usage: microconv user add|passwd NAME --store sqlite:PATH [--password-file FILE]\n"
    "       microconv user remove NAME --store sqlite:PATH\n"
    "       microconv user list --store sqlite:PATH\n"
    "  The password is the first line of FILE, or of standard input (not echoed on a\n"
    "  terminal); 10 to 1024 bytes. passwd and remove end the user's logins.\n";

constexpr const char* kTokenUsage =
    "usage: microconv token create --store sqlite:PATH --scope read --site SITE [--name N]\n"
    "       microconv token create --store sqlite:PATH --scope admin [--name N]\n"
    "       microconv token list|revoke ID --store sqlite:PATH\n"
    "  read: GET /api/report/SITE and /api/live/SITE of that site; admin: GET /metrics.\n"
    "  The token is printed once; send it as Authorization: Bearer TOKEN.\n";

constexpr const char* kShareUsage =
    "usage: microconv share create --store sqlite:PATH --site SITE [--password-file FILE]\n"
    "       microconv share list|revoke ID --store sqlite:PATH\n"
    "  A read-only link to that site's dashboard, printed once (/share/TOKEN);\n"
    "  with a password file, visitors must type that password too.\n";

int Fail(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "microconv %s: %s\n", command.c_str(), message.c_str());
  return 1;
}

int UsageError(const char* usage, const std::string& command, const std::string& message) {
  std::fprintf(stderr, "microconv %s: %s\n%s", command.c_str(), message.c_str(), usage);
  return 2;
}

std::string Date(int64_t ms) {
  const std::time_t seconds = ms / 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M", &utc);
  return text;
}

// The first line of the file, or of stdin ("-"); a terminal is asked
// without echo.
Result<std::string> ReadPassword(const std::string& path, const std::string& prompt) {
  std::string line;
  if (path.empty() || path == "-") {
    const bool tty = isatty(STDIN_FILENO);
    termios saved{};
    if (tty) {
      std::fprintf(stderr, "%s: ", prompt.c_str());
      tcgetattr(STDIN_FILENO, &saved);
      termios quiet = saved;
      quiet.c_lflag &= ~ECHO;
      tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::getline(std::cin, line);
    if (tty) {
      tcsetattr(STDIN_FILENO, TCSANOW, &saved);
      std::fputc('\n', stderr);
    }
  } else {
    auto text = ReadInput(path, kMaxPasswordBytes + 2);
    if (!text.ok()) return {text.error(), text.message()};
    line = text.value().substr(0, text.value().find('\n'));
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// The store's accounts after the common flags; nullptr after a message.
std::unique_ptr<AccountStore> OpenAccounts(const Flags& flags, const std::string& command) {
  if (!flags.Has("--store")) {
    Fail(command, "--store is required");
    return nullptr;
  }
  auto accounts = AccountStore::Open(flags.Get("--store"));
  if (!accounts.ok()) {
    Fail(command, accounts.message());
    return nullptr;
  }
  return std::move(accounts).value();
}

// ok when the store has served `site` (a config of it was recorded): a
// token or link for a misspelt site would be created and never work.
Status CheckSiteKnown(const Flags& flags, const std::string& site) {
  auto store = OpenStore(flags.Get("--store"));
  if (!store.ok()) return {store.error(), store.message()};
  auto versions = store.value()->ConfigVersions(site);
  if (!versions.ok()) return {versions.error(), versions.message()};
  if (versions.value().empty()) {
    return {Error::kOutOfRange, "site \"" + site +
                                    "\" is unknown to this store: check the name, or start "
                                    "`microconv serve` with its config first"};
  }
  return {};
}

// What `token` and `share` were asked: "create", "list" or "revoke" with
// its ID (0 otherwise); kOutOfRange for anything else.
struct Action {
  std::string name;
  int64_t id = 0;
};
Result<Action> ParseAction(const Flags& flags) {
  const auto& args = flags.positional();
  const std::string name = args.empty() ? "" : args[0];
  if (name == "revoke") {
    if (args.size() != 2) return {Error::kOutOfRange, "revoke: expected an ID"};
    auto id = Flags::ParseInt("ID", args[1], 1, INT64_MAX);
    if (!id.ok()) return {id.error(), id.message()};
    return Action{name, id.value()};
  }
  if ((name == "create" || name == "list") && args.size() == 1) return Action{name, 0};
  return {Error::kOutOfRange, "expected create, list or revoke ID"};
}

int Finish(const std::string& command, const Status& status, const std::string& done) {
  if (!status.ok()) return Fail(command, status.message);
  std::printf("%s\n", done.c_str());
  return 0;
}

}  // namespace

int RunUser(int argc, char** argv) {
  auto parsed = Flags::Parse(argc, argv, {{"--store"}, {"--password-file"}}, 2);
  if (auto stop = StopAtFlags(parsed, "user", kUserUsage)) return *stop;
  const Flags& flags = parsed.value();
  const auto& args = flags.positional();
  const std::string action = args.empty() ? "" : args[0];
  const bool named = action == "add" || action == "passwd" || action == "remove";
  if (!(named && args.size() == 2) && !(action == "list" && args.size() == 1)) {
    return UsageError(kUserUsage, "user", "expected add|passwd|remove NAME or list");
  }
  auto accounts = OpenAccounts(flags, "user");
  if (accounts == nullptr) return 1;
  if (action == "list") {
    auto users = accounts->Users();
    if (!users.ok()) return Fail("user", users.message());
    for (const Account& user : users.value()) {
      std::printf("%s\tcreated %s\n", user.name.c_str(), Date(user.created_ms).c_str());
    }
    return 0;
  }
  const std::string& name = args[1];
  if (action == "remove") {
    return Finish("user", accounts->RemoveUser(name), "removed " + name);
  }
  auto password = ReadPassword(flags.Get("--password-file"), "password for " + name);
  if (!password.ok()) return Fail("user", password.message());
  if (action == "add") {
    return Finish("user", accounts->AddUser(name, password.value()), "added " + name);
  }
  return Finish("user", accounts->SetPassword(name, password.value()), "changed " + name);
}

int RunToken(int argc, char** argv) {
  auto parsed = Flags::Parse(argc, argv, {{"--store"}, {"--scope"}, {"--site"}, {"--name"}}, 2);
  if (auto stop = StopAtFlags(parsed, "token", kTokenUsage)) return *stop;
  const Flags& flags = parsed.value();
  auto parsed_action = ParseAction(flags);
  if (!parsed_action.ok()) return UsageError(kTokenUsage, "token", parsed_action.message());
  const auto& [action, id] = parsed_action.value();
  auto scope = ParseTokenScope(flags.Get("--scope", "read"));
  if (action == "create" && !scope.ok()) return UsageError(kTokenUsage, "token", scope.message());
  auto accounts = OpenAccounts(flags, "token");
  if (accounts == nullptr) return 1;
  if (action == "revoke") {
    return Finish("token", accounts->RevokeToken(id), "revoked token " + std::to_string(id));
  }
  if (action == "list") {
    auto tokens = accounts->Tokens();
    if (!tokens.ok()) return Fail("token", tokens.message());
    std::printf("id\tscope\tsite\tname\tcreated (UTC)\n");
    for (const ApiToken& token : tokens.value()) {
      std::printf("%lld\t%s\t%s\t%s\t%s\n", static_cast<long long>(token.id),
                  std::string(TokenScopeName(token.scope)).c_str(), token.site.c_str(),
                  token.name.c_str(), Date(token.created_ms).c_str());
    }
    return 0;
  }
  if (flags.Has("--site")) {
    if (Status known = CheckSiteKnown(flags, flags.Get("--site")); !known.ok()) {
      return Fail("token", known.message);
    }
  }
  auto token = accounts->CreateToken(flags.Get("--name"), flags.Get("--site"), scope.value());
  if (!token.ok()) return Fail("token", token.message());
  std::printf("%s\n", token.value().c_str());
  return 0;
}

int RunShare(int argc, char** argv) {
  auto parsed = Flags::Parse(argc, argv, {{"--store"}, {"--site"}, {"--password-file"}}, 2);
  if (auto stop = StopAtFlags(parsed, "share", kShareUsage)) return *stop;
  const Flags& flags = parsed.value();
  auto parsed_action = ParseAction(flags);
  if (!parsed_action.ok()) return UsageError(kShareUsage, "share", parsed_action.message());
  const auto& [action, id] = parsed_action.value();
  if (action == "create" && !flags.Has("--site")) {
    return UsageError(kShareUsage, "share", "--site is required");
  }
  auto accounts = OpenAccounts(flags, "share");
  if (accounts == nullptr) return 1;
  if (action == "revoke") {
    return Finish("share", accounts->RevokeShare(id), "revoked shared link " + std::to_string(id));
  }
  if (action == "list") {
    auto links = accounts->Shares();
    if (!links.ok()) return Fail("share", links.message());
    std::printf("id\tsite\tpassword\tcreated (UTC)\n");
    for (const ShareLink& link : links.value()) {
      std::printf("%lld\t%s\t%s\t%s\n", static_cast<long long>(link.id), link.site.c_str(),
                  link.password_hash.empty() ? "no" : "yes", Date(link.created_ms).c_str());
    }
    return 0;
  }
  std::string password;
  if (flags.Has("--password-file")) {
    auto read = ReadPassword(flags.Get("--password-file"), "link password");
    if (!read.ok()) return Fail("share", read.message());
    if (read.value().empty()) return Fail("share", "the password file is empty");
    password = read.value();
  }
  if (Status known = CheckSiteKnown(flags, flags.Get("--site")); !known.ok()) {
    return Fail("share", known.message);
  }
  auto token = accounts->CreateShare(flags.Get("--site"), password);
  if (!token.ok()) return Fail("share", token.message());
  std::printf("/share/%s\n", token.value().c_str());
  return 0;
}

}  // namespace microconv
