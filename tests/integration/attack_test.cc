// The collector against the attacks of issue 10 point 2, each while a steady
// ingest of real, verified summaries runs from 127.0.0.1: slowloris, a
// keep-alive flood, thousands of live (SSE) streams, multi-range requests,
// oversized chunked bodies and a huge request line, one after the other.
// Asserted for each: ingest p99 < 100 ms with every post answered 202, the
// collector alive and its resident memory bounded; at the end every
// acknowledged summary is in the store.
//
// The attackers connect from other loopback addresses (127.0.0.2 and up:
// Linux routes all of 127/8 to lo), as attackers on the internet have their
// own addresses, so the per-address connection limit hits them and not the
// honest ingest. Everything stays on 127.0.0.0/8.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "journeys.h"
#include "raw_connection.h"
#include "server_process.h"
#include "tools/load/ingest_load.h"

namespace microconv::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr double kIngestPerSecond = 150;
constexpr double kPhaseSeconds = 6;
constexpr double kMaxP99Ms = 100;
// Resident memory the collector may reach under any attack: the store's
// cache and the static files are a few tens of MB; a buffered 100 MiB body
// or a planned multi-range response is far above it.
constexpr double kMaxRssMb = 200;
constexpr int kHeaderTimeoutSeconds = 2;
// A static file big enough that planning a 2,600-part range response of it
// needs gigabytes (as the dashboard's script did in issue 10).
constexpr size_t kBigFileBytes = 256 * 1024;

// The attackers' source addresses: 127.0.0.2 and up, `per_address`
// connections each.
int AttackerOctet(int index, int per_address) { return 2 + index / per_address; }

double ResidentMb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::strtod(line.c_str() + 6, nullptr) / 1024;
  }
  return -1;
}

bool Alive(pid_t pid) { return std::filesystem::exists("/proc/" + std::to_string(pid)); }

struct PhaseResult {
  LoadResult ingest;
  double max_rss_mb = 0;
  bool alive = false;
};

class AttackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(journeys_.ok());
    std::filesystem::create_directories(dir_.path() + "/web");
    std::ofstream big(dir_.path() + "/web/big.js", std::ios::binary);
    big << std::string(kBigFileBytes, 'x');
    big.close();
    server_ = std::make_unique<ServerProcess>(
        dir_, std::vector<std::string>{"--rate", "0", "--public-site", "demo", "--live-streams",
                                       "5000", "--live-streams-per-site", "5000",
                                       "--header-timeout", std::to_string(kHeaderTimeoutSeconds),
                                       "--body-timeout", "2", "--idle-timeout", "2"});
    ASSERT_TRUE(server_->Start());
    base_ = journeys_.Summary("purchase", 1);
    salt_ = uint64_t{std::random_device{}()} << 32;
  }

  // Runs `attack` on its own thread while the steady ingest runs for one
  // phase; `attack` should return once `stop` is set.
  PhaseResult UnderAttack(const std::string& name,
                          const std::function<void(const std::atomic<bool>& stop)>& attack) {
    std::atomic<bool> stop = false;
    std::thread attacker([&] { attack(stop); });
    // Let the attack build up before ingest is measured.
    std::this_thread::sleep_for(milliseconds(1500));
    PhaseResult result;
    std::atomic<bool> sampling = true;
    std::thread sampler([&] {
      while (sampling) {
        result.max_rss_mb = std::max(result.max_rss_mb, ResidentMb(server_->pid()));
        std::this_thread::sleep_for(milliseconds(100));
      }
    });
    LoadOptions load;
    load.port = server_->port();
    load.clients = 4;
    load.seconds = kPhaseSeconds;
    load.rate = kIngestPerSecond;
    load.make_summary = [&](uint64_t index) {
      return Journeys::WithNonce(base_, salt_ ^ (next_nonce_ + index + 1));
    };
    result.ingest = DriveIngestLoad(load);
    next_nonce_ += 1000000;
    accepted_ += result.ingest.accepted;
    sampling = false;
    sampler.join();
    stop = true;
    attacker.join();
    result.alive = Alive(server_->pid());
    std::printf(
        "attack %-16s ingest accepted=%llu rejected=%llu failed=%llu p50=%.1f ms p99=%.1f ms "
        "max=%.1f ms, collector RSS max %.1f MB, alive=%d\n",
        name.c_str(), (unsigned long long)result.ingest.accepted,
        (unsigned long long)result.ingest.rejected, (unsigned long long)result.ingest.failed,
        result.ingest.p50_ms, result.ingest.p99_ms, result.ingest.max_ms, result.max_rss_mb,
        result.alive);
    std::fflush(stdout);
    return result;
  }

  static bool HeldButSlow(const PhaseResult& result) {
    return result.alive && result.ingest.accepted > kIngestPerSecond * kPhaseSeconds * 0.9 &&
           result.ingest.rejected == 0 && result.ingest.failed == 0 &&
           result.max_rss_mb < kMaxRssMb && result.ingest.p99_ms >= kMaxP99Ms;
  }

  // Ingest holds while `attack` runs. A phase whose only miss is the p99
  // bound is measured once more, with the same attack: on this shared
  // 2-core machine a burst of another build can push one phase's p99 past
  // it (seen: 105.9 ms for "chunked 100 MiB" at load 11, p50 0.5 ms), while
  // an attack that really starves ingest misses it again.
  void ExpectHeldUnder(const std::string& name,
                       const std::function<void(const std::atomic<bool>& stop)>& attack) {
    PhaseResult result = UnderAttack(name, attack);
    if (HeldButSlow(result)) {
      std::printf("attack %s: p99 over %.0f ms once; measured again\n", name.c_str(), kMaxP99Ms);
      result = UnderAttack(name + " again", attack);
    }
    EXPECT_TRUE(result.alive);
    EXPECT_GT(result.ingest.accepted, kIngestPerSecond * kPhaseSeconds * 0.9);
    EXPECT_EQ(result.ingest.rejected, 0u);
    EXPECT_EQ(result.ingest.failed, 0u);
    EXPECT_LT(result.ingest.p99_ms, kMaxP99Ms);
    EXPECT_LT(result.max_rss_mb, kMaxRssMb);
  }

  Journeys journeys_;
  // In memory: on this machine other builds share the disk, and a stalled
  // fsync would be measured as the HTTP layer's latency. Durability under
  // load is crash_test's; here every 202 is still checked in the store.
  ServerDir dir_{std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp"};
  std::unique_ptr<ServerProcess> server_;
  std::vector<uint8_t> base_;
  uint64_t salt_ = 0;
  uint64_t next_nonce_ = 0;
  uint64_t accepted_ = 0;
};

TEST_F(AttackTest, IngestHoldsWhileAttacked) {
  const int port = server_->port();

  // Slowloris: connections that send one header line a second and never
  // finish their headers. They must be closed at the header deadline,
  // whatever they trickle.
  int slow_closed = 0, slow_opened = 0;
  ExpectHeldUnder("slowloris", [&](const std::atomic<bool>& stop) {
    slow_closed = 0;  // per run: a phase may be measured again
    std::vector<std::unique_ptr<RawConnection>> slow;
    for (int i = 0; i < 400; ++i) {
      auto c = std::make_unique<RawConnection>(port, AttackerOctet(i, 40));
      if (c->ok() && c->Send("GET /healthz HTTP/1.1\r\nHost: a\r\n")) slow.push_back(std::move(c));
    }
    slow_opened = int(slow.size());
    for (int tick = 0; !stop; ++tick) {
      for (auto& c : slow) c->Send("X-Slow-" + std::to_string(tick) + ": x\r\n");
      std::this_thread::sleep_for(milliseconds(500));
    }
    for (auto& c : slow) slow_closed += c->ClosedByServer() ? 1 : 0;
  });
  EXPECT_GT(slow_opened, 300);
  EXPECT_EQ(slow_closed, slow_opened) << "slow-header connections outlived the header deadline";

  // Keep-alive flood: hundreds of idle keep-alive connections and a hundred
  // pollers asking /healthz as fast as they are answered.
  ExpectHeldUnder("keep-alive flood", [&](const std::atomic<bool>& stop) {
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 400; ++i) {
      auto c = std::make_unique<RawConnection>(port, AttackerOctet(i, 40));
      if (c->ok() && c->Send("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")) {
        c->Receive(milliseconds(500), "ok");
        idle.push_back(std::move(c));
      }
    }
    std::vector<std::thread> pollers;
    for (int p = 0; p < 100; ++p) {
      pollers.emplace_back([&, p] {
        while (!stop) {
          RawConnection c(port, 100 + p / 10);
          while (!stop && c.Send("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n") &&
                 !c.Receive(milliseconds(1000), "ok").empty()) {
          }
        }
      });
    }
    for (auto& poller : pollers) poller.join();
  });

  // Thousands of live streams of a public site, open and never read.
  int streams_open = 0;
  ExpectHeldUnder("2000 SSE streams", [&](const std::atomic<bool>& stop) {
    streams_open = 0;  // per run
    std::vector<std::unique_ptr<RawConnection>> streams;
    for (int i = 0; i < 2000 && !stop; ++i) {
      auto c = std::make_unique<RawConnection>(port, AttackerOctet(i, 50));
      if (c->ok() && c->Send("GET /api/live/demo HTTP/1.1\r\nHost: a\r\n\r\n")) {
        streams.push_back(std::move(c));
      }
    }
    std::this_thread::sleep_for(milliseconds(500));
    for (auto& c : streams) {
      if (c->Receive(milliseconds(20), "event: live").find("200 OK") != std::string::npos) {
        ++streams_open;
      }
    }
    while (!stop) std::this_thread::sleep_for(milliseconds(50));
  });
  EXPECT_GT(streams_open, 1900) << "live streams were refused instead of held";

  // Multi-range: 2,600 parts of the whole file, three at once, repeated.
  std::string ranges = "bytes=0-";
  for (int i = 1; i < 2600; ++i) ranges += ",0-";
  ExpectHeldUnder("multi-range", [&](const std::atomic<bool>& stop) {
    std::vector<std::thread> senders;
    for (int s = 0; s < 3; ++s) {
      senders.emplace_back([&, s] {
        while (!stop) {
          RawConnection c(port, 2 + s);
          c.Send("GET /big.js HTTP/1.1\r\nHost: a\r\nRange: " + ranges +
                 "\r\nConnection: close\r\n\r\n");
          c.Receive(milliseconds(2000), "\r\n\r\n");  // the head; the body is not read
        }
      });
    }
    for (auto& sender : senders) sender.join();
  });

  // Oversized chunked bodies: 100 MiB offered in 64 KiB chunks on each of
  // eight connections; the collector must refuse them at the cap, not read
  // them whole.
  std::atomic<uint64_t> most_bytes_sent = 0;
  std::atomic<int> refused_413 = 0, attempts = 0;
  ExpectHeldUnder("chunked 100 MiB", [&](const std::atomic<bool>& stop) {
    std::vector<std::thread> senders;
    for (int s = 0; s < 8; ++s) {
      senders.emplace_back([&, s] {
        const std::string chunk = "10000\r\n" + std::string(0x10000, 'A') + "\r\n";
        while (!stop) {
          RawConnection c(port, 2 + s);
          uint64_t sent = 0;
          if (!c.Send("POST /api/collect HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n")) {
            continue;
          }
          // Stops at the server's first answer, so its 413 is read before
          // the reset that further writes would bring.
          while (!stop && sent < (100u << 20) && !c.Readable() && c.Send(chunk)) sent += 0x10000;
          uint64_t seen = most_bytes_sent;
          while (sent > seen && !most_bytes_sent.compare_exchange_weak(seen, sent)) {
          }
          if (c.Receive(milliseconds(1000)).starts_with("HTTP/1.1 413")) ++refused_413;
          ++attempts;
          // Bounded in count: 20 bodies a second per sender (the test's
          // own copying competes with the collector for these cores).
          std::this_thread::sleep_for(milliseconds(50));
        }
      });
    }
    for (auto& sender : senders) sender.join();
  });
  std::printf("chunked: %d bodies offered, %d answered 413, at most %llu bytes sent on one\n",
              attempts.load(), refused_413.load(), (unsigned long long)most_bytes_sent.load());
  EXPECT_GT(refused_413.load(), 0);
  // Socket buffers hold a few MB; a body read whole would be all 100 MiB.
  EXPECT_LT(most_bytes_sent.load(), 32u << 20) << "the chunked body was read far past the cap";

  // A huge request line: 1 MiB of path, answered 414 at the cap.
  std::atomic<int> refused_414 = 0, lines_sent = 0;
  ExpectHeldUnder("1 MiB request line", [&](const std::atomic<bool>& stop) {
    const std::string line = "GET /" + std::string(1 << 20, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n";
    std::vector<std::thread> senders;
    for (int s = 0; s < 4; ++s) {
      senders.emplace_back([&, s] {
        while (!stop) {
          RawConnection c(port, 2 + s);
          c.Send(line);
          if (c.Receive(milliseconds(1000)).starts_with("HTTP/1.1 414")) ++refused_414;
          ++lines_sent;
          // 10 MiB a second in all: the copying is the test's own CPU.
          std::this_thread::sleep_for(milliseconds(100));
        }
      });
    }
    for (auto& sender : senders) sender.join();
  });
  std::printf("request line: %d sent, %d answered 414\n", lines_sent.load(), refused_414.load());
  EXPECT_GT(refused_414.load(), 0);

  // Nothing acknowledged was lost: each post was a new session.
  EXPECT_EQ(server_->Metric("microconv_sessions_stored"), double(accepted_));
  EXPECT_TRUE(Alive(server_->pid()));
}

}  // namespace
}  // namespace microconv::testing
