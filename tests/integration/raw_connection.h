// A raw TCP connection to a test collector from a chosen loopback source
// address (Linux routes all of 127/8 to lo), for what an HTTP client library
// will not send: trickled heads, oversized lines, unread streams.
#ifndef MICROCONV_TESTS_INTEGRATION_RAW_CONNECTION_H_
#define MICROCONV_TESTS_INTEGRATION_RAW_CONNECTION_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string>

namespace microconv::testing {

// A TCP connection to the collector from a chosen loopback source address.
class RawConnection {
 public:
  // Connects to 127.0.0.1:port from 127.0.0.`source_last_octet`.
  RawConnection(int port, int source_last_octet) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    sockaddr_in source{};
    source.sin_family = AF_INET;
    source.sin_addr.s_addr = htonl((127u << 24) | unsigned(source_last_octet));
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_port = htons(static_cast<uint16_t>(port));
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{2, 0};
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0 ||
        connect(fd_, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool ok() const { return fd_ >= 0; }
  // false once the peer closed or reset the connection.
  bool Send(const std::string& bytes) {
    if (fd_ < 0) return false;
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == ssize_t(bytes.size());
  }
  // What the server sent within `timeout`, without waiting for more once
  // something arrived and `stop_at` is in it.
  std::string Receive(std::chrono::milliseconds timeout, const std::string& stop_at = "\r\n\r\n") {
    std::string got;
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + timeout;
    while (fd_ >= 0 && Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      const int left = int(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
      if (poll(&p, 1, std::max(left, 1)) <= 0) break;
      char buffer[16384];
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      got.append(buffer, size_t(n));
      if (got.find(stop_at) != std::string::npos) break;
    }
    return got;
  }
  // true when the server has sent something (or closed) by now.
  bool Readable() {
    pollfd p{fd_, POLLIN, 0};
    return fd_ >= 0 && poll(&p, 1, 0) > 0;
  }
  // true when the server has closed the connection (EOF or reset) by now.
  bool ClosedByServer() {
    if (closed_) return true;
    pollfd p{fd_, POLLIN, 0};
    if (fd_ < 0 || poll(&p, 1, 0) <= 0) return closed_;
    char buffer[4096];
    while (true) {
      const ssize_t n = recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return closed_ = true;
      if (n < 0) return false;
    }
  }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

}  // namespace microconv::testing

#endif  // MICROCONV_TESTS_INTEGRATION_RAW_CONNECTION_H_
