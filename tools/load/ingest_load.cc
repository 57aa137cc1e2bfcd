#include "tools/load/ingest_load.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <string_view>
#include <thread>

namespace microconv {
namespace {

using Clock = std::chrono::steady_clock;

// After a connection error: the server may be gone (kill -9 tests), so a
// connection waits this long before it reconnects rather than spin.
constexpr auto kRetryPause = std::chrono::milliseconds(5);
// Once the run is over, answers still awaited are waited for this long.
constexpr auto kDrainLimit = std::chrono::seconds(10);

// One keep-alive connection: at most one request in flight (POST is not
// idempotent, so HTTP/1.1 clients must not pipeline it: RFC 9112 9.3.2).
struct Connection {
  int fd = -1;
  bool busy = false;
  uint64_t index = 0;
  size_t target = 0;  // which collector (LoadOptions::ports)
  Clock::time_point sent{};
  Clock::time_point retry_at{};
  std::string out;
  size_t out_at = 0;
  std::string in;
  uint32_t watching = 0;  // the epoll events registered for fd
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A whole response at the front of `in`: its status, length and whether the
// server closes after it; false while incomplete.
struct Answer {
  int status = 0;
  size_t length = 0;
  bool close = false;
};
bool ParseAnswer(const std::string& in, Answer& answer) {
  const size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  const std::string_view head(in.data(), head_end);
  if (head.size() < 12 || !head.starts_with("HTTP/1.")) {
    answer.status = -1;
    return true;
  }
  std::from_chars(head.data() + 9, head.data() + 12, answer.status);
  size_t body = 0;
  for (size_t at = head.find("\r\n"); at != std::string_view::npos;) {
    const size_t next = head.find("\r\n", at + 2);
    const std::string_view line = head.substr(
        at + 2, next == std::string_view::npos ? std::string_view::npos : next - at - 2);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      const std::string_view name = line.substr(0, colon);
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (EqualsIgnoreCase(name, "Content-Length")) {
        std::from_chars(value.data(), value.data() + value.size(), body);
      } else if (EqualsIgnoreCase(name, "Connection") && EqualsIgnoreCase(value, "close")) {
        answer.close = true;
      }
    }
    at = next;
  }
  if (in.size() < head_end + 4 + body) return false;
  answer.length = head_end + 4 + body;
  return true;
}

}  // namespace

LoadResult DriveIngestLoad(const LoadOptions& options) {
  LoadResult result;
  std::vector<double> latencies_ms;
  const std::vector<int> ports =
      options.ports.empty() ? std::vector<int>{options.port} : options.ports;
  in_addr host{};
  if (inet_pton(AF_INET, options.host == "localhost" ? "127.0.0.1" : options.host.c_str(), &host) !=
      1) {
    return result;
  }
  // Per collector: its address and the request head naming it.
  std::vector<sockaddr_in> addresses;
  std::vector<std::string> heads;
  for (int port : ports) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr = host;
    addresses.push_back(address);
    heads.push_back("POST /api/collect HTTP/1.1\r\nHost: " + options.host + ":" +
                    std::to_string(port) + "\r\nContent-Type: text/plain\r\nContent-Length: ");
  }
  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  std::vector<Connection> connections(static_cast<size_t>(std::max(1, options.clients)));
  for (size_t i = 0; i < connections.size(); ++i) connections[i].target = i % ports.size();
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(options.seconds));
  uint64_t next_index = 0;
  size_t cursor = 0;  // where the round robin of idle connections starts
  bool issuing = true;
  auto close_connection = [&](Connection& c) {
    if (c.fd >= 0) close(c.fd);
    c.fd = -1;
    c.watching = 0;
    c.in.clear();
  };
  auto fail = [&](Connection& c) {
    if (c.busy) ++result.failed;
    c.busy = false;
    close_connection(c);
    c.retry_at = Clock::now() + kRetryPause;
  };
  // The driver shares the collector's cores: a syscall it skips is CPU the
  // collector gets (an epoll_ctl per post when nothing changed, before).
  auto watch = [&](Connection& c, uint32_t events) {
    if (c.watching == events) return;
    c.watching = events;
    epoll_event event{};
    event.events = events;
    event.data.ptr = &c;
    epoll_ctl(epoll, EPOLL_CTL_MOD, c.fd, &event);
  };
  auto send_pending = [&](Connection& c) {
    while (c.out_at < c.out.size()) {
      const ssize_t n =
          send(c.fd, c.out.data() + c.out_at, c.out.size() - c.out_at, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        watch(c, EPOLLIN | EPOLLOUT);
        return;
      }
      if (n <= 0) return fail(c);
      c.out_at += static_cast<size_t>(n);
    }
    watch(c, EPOLLIN);
  };
  // Starts post `index` on an idle connection (connecting it first).
  auto post = [&](Connection& c, uint64_t index) {
    if (c.fd < 0) {
      c.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      const int yes = 1;
      setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
      if (c.fd < 0 || connect(c.fd, reinterpret_cast<const sockaddr*>(&addresses[c.target]),
                              sizeof addresses[c.target]) != 0) {
        c.busy = true;  // counted as a post without an answer
        return fail(c);
      }
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.ptr = &c;
      epoll_ctl(epoll, EPOLL_CTL_ADD, c.fd, &event);
      c.watching = EPOLLIN;
    }
    const std::vector<uint8_t> body = options.make_summary(index);
    c.out.assign(heads[c.target]);
    c.out += std::to_string(body.size());
    c.out += "\r\n\r\n";
    c.out.append(reinterpret_cast<const char*>(body.data()), body.size());
    c.out_at = 0;
    c.busy = true;
    c.index = index;
    c.sent = Clock::now();
    send_pending(c);
  };
  auto receive = [&](Connection& c) {
    char buffer[4096];
    Answer answer;
    bool whole = false;
    // Reads until the awaited answer is whole, not until EAGAIN: epoll is
    // level-triggered, so bytes left in the socket wake the loop again.
    while (!whole) {
      const ssize_t n = recv(c.fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) {
        c.in.append(buffer, static_cast<size_t>(n));
        whole = c.busy && ParseAnswer(c.in, answer);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return fail(c);  // closed or reset, maybe mid-answer
    }
    if (!whole) return;
    if (answer.status < 0) return fail(c);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - c.sent).count();
    c.busy = false;
    c.in.erase(0, answer.length);
    if (answer.status == 202) {
      ++result.accepted;
      latencies_ms.push_back(ms);
      if (options.on_accepted) options.on_accepted(c.index);
    } else {
      ++result.rejected;
    }
    if (answer.close) close_connection(c);
  };

  std::vector<epoll_event> events(connections.size());
  while (true) {
    const auto now = Clock::now();
    if (issuing && (now >= deadline || (options.stop && options.stop->load()))) issuing = false;
    // Idle connections take the next posts that are due.
    Clock::time_point wake = now + std::chrono::milliseconds(100);
    bool any_busy = false;
    // Round robin from where the last post went: every connection is used
    // in turn, so none idles into the server's header deadline (which
    // closes it, racing the next post sent on it).
    for (size_t k = 0; k < connections.size(); ++k) {
      const size_t at = (cursor + k) % connections.size();
      Connection& c = connections[at];
      if (!c.busy && issuing && c.retry_at <= now) {
        const auto due =
            start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                        options.rate > 0 ? double(next_index) / options.rate : 0));
        if (options.rate > 0 && due >= deadline) {
          issuing = false;
        } else if (due <= now) {
          post(c, next_index++);
          cursor = at + 1;
        } else {
          wake = std::min(wake, due);
        }
      } else if (!c.busy && issuing) {
        wake = std::min(wake, c.retry_at);
      }
      any_busy = any_busy || c.busy;
    }
    if (!issuing && (!any_busy || now > deadline + kDrainLimit)) break;
    if (issuing) wake = std::min(wake, deadline);
    const auto wait_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(wake - Clock::now()).count();
    const int ready = epoll_wait(epoll, events.data(), static_cast<int>(events.size()),
                                 static_cast<int>(std::max<int64_t>(0, wait_ms)));
    for (int i = 0; i < ready; ++i) {
      auto& c = *static_cast<Connection*>(events[static_cast<size_t>(i)].data.ptr);
      if (c.fd < 0) continue;
      if ((events[static_cast<size_t>(i)].events & EPOLLOUT) != 0 && c.busy) send_pending(c);
      if (c.fd >= 0 && (events[static_cast<size_t>(i)].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
        receive(c);
      }
    }
  }
  for (Connection& c : connections) {
    if (c.busy) ++result.failed;
    close_connection(c);
  }
  close(epoll);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.per_second = result.seconds > 0 ? double(result.accepted) / result.seconds : 0;
  if (!latencies_ms.empty()) {
    std::sort(latencies_ms.begin(), latencies_ms.end());
    auto at = [&](double q) {
      return latencies_ms[std::min(latencies_ms.size() - 1,
                                   static_cast<size_t>(q * double(latencies_ms.size())))];
    };
    result.p50_ms = at(0.50);
    result.p99_ms = at(0.99);
    result.max_ms = latencies_ms.back();
  }
  return result;
}

}  // namespace microconv
