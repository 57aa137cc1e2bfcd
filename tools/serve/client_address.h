// Who is on the other end of a request when a reverse proxy may stand in
// front (issue 10 point 3): the peer's socket address, the forwarded headers
// and the operator's trusted ranges (--trust-proxy) -> the client's address
// and whether it used HTTPS. Pure: no I/O, no clock, no HTTP library.
//
// Forwarded headers are believed only from a trusted peer, and only as far
// as they were written by trusted proxies: the chain is read from the right
// (the hop nearest to us) and the first address that is not itself trusted
// is the client. Anything to its left was written by that client and proves
// nothing. Without trusted ranges every forwarded header is ignored.
#ifndef MICROCONV_TOOLS_SERVE_CLIENT_ADDRESS_H_
#define MICROCONV_TOOLS_SERVE_CLIENT_ADDRESS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace microconv {

// An IPv4 or IPv6 address; IPv4-mapped IPv6 (::ffff:a.b.c.d, what a
// dual-stack socket reports) is the IPv4 address.
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4: the first 4

  // Dotted quad or RFC 4291 text; nullopt for anything else (ports, zone
  // ids, brackets and names included).
  static std::optional<IpAddress> Parse(std::string_view text);
  // Canonical text (RFC 5952 for IPv6): one client, one spelling, so one
  // rate-limit bucket.
  std::string ToString() const;
};

// The --trust-proxy list: IPv4 and IPv6 CIDR ranges.
class TrustedProxies {
 public:
  // "127.0.0.1/32,10.0.0.0/8,::1/128" (a bare address is a single host);
  // "" trusts nothing. kOutOfRange naming the bad entry, also for host bits
  // set beyond the prefix ("10.0.0.1/8": the operator meant something else).
  static Result<TrustedProxies> Parse(std::string_view list);

  bool empty() const { return ranges_.empty(); }
  bool Contains(const IpAddress& address) const;

 private:
  struct Range {
    IpAddress base;
    int prefix = 0;
  };
  std::vector<Range> ranges_;
};

// Which header a trusted proxy writes the chain into. Only that one is read:
// nginx and Caddy set X-Forwarded-For and pass a client's `Forwarded:`
// through untouched, so reading both would let a client choose.
enum class ForwardedHeader { kXForwardedFor, kForwarded };

// The request's forwarded headers, each with all its fields joined by ","
// in order (RFC 9110 5.3).
struct ForwardedHeaders {
  std::string x_forwarded_for;
  std::string x_forwarded_proto;
  std::string forwarded;  // RFC 7239
};

struct ClientAddress {
  std::string address;  // canonical text; the peer's when nothing is believed
  bool https = false;   // the client reached the (trusted) proxy over TLS
  // A trusted proxy's header could not be read: an unreadable chain gives
  // the peer's address, an unreadable proto plain HTTP.
  bool malformed = false;
};

// `peer` is the socket's address as text (unparseable: used as it is,
// never trusted).
ClientAddress ResolveClient(const TrustedProxies& trusted, ForwardedHeader header,
                            std::string_view peer, const ForwardedHeaders& headers);

}  // namespace microconv

#endif  // MICROCONV_TOOLS_SERVE_CLIENT_ADDRESS_H_
