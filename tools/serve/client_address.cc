#include "tools/serve/client_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace microconv {
namespace {

constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool EqualsLower(std::string_view text, std::string_view lower) {
  return text.size() == lower.size() &&
         std::equal(text.begin(), text.end(), lower.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

// Splits at every separator, quotes or not: the part left of the last
// trusted hop is the client's own text, and an unbalanced quote there must
// not swallow the hops to its right. (Forwarded's quoted values for= and
// proto= hold no commas or semicolons.)
std::vector<std::string_view> SplitList(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t at = text.find(separator); at != std::string_view::npos;
       at = text.find(separator, start)) {
    parts.push_back(Trim(text.substr(start, at - start)));
    start = at + 1;
  }
  parts.push_back(Trim(text.substr(start)));
  return parts;
}

bool AllDigits(std::string_view text) {
  return !text.empty() && text.size() <= 5 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// One hop of a chain: "1.2.3.4", "1.2.3.4:5678", "2001:db8::1",
// "[2001:db8::1]" or "[2001:db8::1]:5678" (proxies write all of these).
std::optional<IpAddress> ParseNode(std::string_view node) {
  if (node.starts_with('[')) {
    const size_t close = node.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view rest = node.substr(close + 1);
    if (!rest.empty() && !(rest.front() == ':' && AllDigits(rest.substr(1)))) return std::nullopt;
    auto address = IpAddress::Parse(node.substr(1, close - 1));
    if (!address || !address->v6) return std::nullopt;
    return address;
  }
  if (auto address = IpAddress::Parse(node)) return address;
  // IPv4 with a port: exactly one colon.
  const size_t colon = node.find(':');
  if (colon == std::string_view::npos || node.find(':', colon + 1) != std::string_view::npos ||
      !AllDigits(node.substr(colon + 1))) {
    return std::nullopt;
  }
  auto address = IpAddress::Parse(node.substr(0, colon));
  if (!address || address->v6) return std::nullopt;
  return address;
}

// A Forwarded parameter value, unquoted ("\"[::1]:80\"" -> "[::1]:80").
std::string Unquote(std::string_view value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return std::string(value);
  std::string text;
  for (size_t i = 1; i + 1 < value.size(); ++i) {
    if (value[i] == '\\' && i + 2 < value.size()) ++i;
    text += value[i];
  }
  return text;
}

// One hop of either header: the address it names and the scheme it states.
struct Hop {
  std::optional<IpAddress> address;  // nullopt: unreadable
  std::optional<bool> https;         // Forwarded's proto=, when given
};

std::vector<Hop> XForwardedForHops(std::string_view value) {
  std::vector<Hop> hops;
  for (std::string_view node : SplitList(value, ',')) hops.push_back({ParseNode(node), {}});
  return hops;
}

// RFC 7239: `for=...;proto=...;by=...` elements. An element without a
// readable for= (missing, "unknown", an obfuscated name) is unreadable.
std::vector<Hop> ForwardedHops(std::string_view value) {
  std::vector<Hop> hops;
  for (std::string_view element : SplitList(value, ',')) {
    Hop hop;
    bool readable = true;
    for (std::string_view pair : SplitList(element, ';')) {
      if (pair.empty()) continue;  // RFC 7239 allows empty pairs ("for=x;")
      const size_t equals = pair.find('=');
      if (equals == std::string_view::npos) {
        readable = false;
        continue;
      }
      const std::string_view name = Trim(pair.substr(0, equals));
      const std::string value_text = Unquote(Trim(pair.substr(equals + 1)));
      if (EqualsLower(name, "for")) {
        hop.address = ParseNode(value_text);
      } else if (EqualsLower(name, "proto")) {
        if (EqualsLower(value_text, "https")) {
          hop.https = true;
        } else if (EqualsLower(value_text, "http")) {
          hop.https = false;
        } else {
          readable = false;
        }
      }
    }
    if (!readable) hop.address.reset();
    hops.push_back(hop);
  }
  return hops;
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  // inet_pton reads a C string; addresses are short, anything long is not one.
  char buffer[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buffer)) return std::nullopt;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  IpAddress address;
  if (inet_pton(AF_INET, buffer, address.bytes.data()) == 1) return address;
  if (inet_pton(AF_INET6, buffer, address.bytes.data()) != 1) return std::nullopt;
  if (std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), address.bytes.begin())) {
    std::memmove(address.bytes.data(), address.bytes.data() + 12, 4);
    std::fill(address.bytes.begin() + 4, address.bytes.end(), 0);
    return address;
  }
  address.v6 = true;
  return address;
}

std::string IpAddress::ToString() const {
  char text[INET6_ADDRSTRLEN];
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof(text));
  return text;
}

Result<TrustedProxies> TrustedProxies::Parse(std::string_view list) {
  TrustedProxies trusted;
  if (Trim(list).empty()) return trusted;
  for (std::string_view entry : SplitList(list, ',')) {
    auto bad = [&](const std::string& why) {
      return Result<TrustedProxies>(Error::kOutOfRange,
                                    "--trust-proxy: \"" + std::string(entry) + "\": " + why);
    };
    if (entry.empty()) return bad("empty range");
    const size_t slash = entry.find('/');
    auto base = IpAddress::Parse(entry.substr(0, slash));
    if (!base) return bad("not an IPv4 or IPv6 address");
    const int bits = base->v6 ? 128 : 32;
    int prefix = bits;
    if (slash != std::string_view::npos) {
      const std::string_view digits = entry.substr(slash + 1);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
          prefix < 0 || prefix > bits) {
        return bad("prefix length must be 0-" + std::to_string(bits));
      }
    }
    for (int bit = prefix; bit < bits; ++bit) {
      if (base->bytes[bit / 8] & (0x80 >> (bit % 8))) {
        return bad("address has bits set beyond /" + std::to_string(prefix));
      }
    }
    trusted.ranges_.push_back({*base, prefix});
  }
  return trusted;
}

bool TrustedProxies::Contains(const IpAddress& address) const {
  for (const Range& range : ranges_) {
    if (range.base.v6 != address.v6) continue;
    const int whole = range.prefix / 8;
    if (!std::equal(range.base.bytes.begin(), range.base.bytes.begin() + whole,
                    address.bytes.begin())) {
      continue;
    }
    const int rest = range.prefix % 8;
    const uint8_t mask = static_cast<uint8_t>(0xff00 >> rest);
    if (rest == 0 || ((range.base.bytes[whole] ^ address.bytes[whole]) & mask) == 0) return true;
  }
  return false;
}

ClientAddress ResolveClient(const TrustedProxies& trusted, ForwardedHeader header,
                            std::string_view peer, const ForwardedHeaders& headers) {
  const std::optional<IpAddress> peer_address = IpAddress::Parse(peer);
  ClientAddress client;
  client.address = peer_address ? peer_address->ToString() : std::string(peer);
  if (!peer_address || !trusted.Contains(*peer_address)) return client;

  const bool by_xff = header == ForwardedHeader::kXForwardedFor;
  const std::string_view chain = by_xff ? headers.x_forwarded_for : headers.forwarded;
  if (by_xff && !Trim(headers.x_forwarded_proto).empty()) {
    // The nearest proxy's word, when several were appended.
    const std::string_view proto = SplitList(headers.x_forwarded_proto, ',').back();
    client.https = EqualsLower(proto, "https");
    client.malformed = !client.https && !EqualsLower(proto, "http");
  }
  // A proxy reaching us for itself (a health check) forwards nothing.
  if (Trim(chain).empty()) return client;

  const std::vector<Hop> hops = by_xff ? XForwardedForHops(chain) : ForwardedHops(chain);
  // From the right: every hop a trusted proxy appended, up to the first
  // address it was not told to trust. All trusted: the left-most is it.
  for (size_t i = hops.size(); i-- > 0;) {
    const Hop& hop = hops[i];
    if (!hop.address) {
      client.malformed = true;
      client.https = false;
      return client;
    }
    if (!trusted.Contains(*hop.address) || i == 0) {
      client.address = hop.address->ToString();
      if (!by_xff) client.https = hop.https.value_or(false);
      return client;
    }
  }
  return client;
}

}  // namespace microconv
