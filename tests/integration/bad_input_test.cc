// SPEC section 10 at the collector: every bad body gets a 4xx with a short
// reason, nothing is stored, and the server keeps serving.
#include <arpa/inet.h>
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <random>
#include <thread>

#include "core/summary.h"
#include "journeys.h"
#include "server_process.h"
#include "tests/support/event_stream.h"

namespace microconv::testing {
namespace {

using Bytes = std::vector<uint8_t>;

// --- Bad bodies built from a real summary. ----------------------------------
// The object-API builders below follow core/schema/summary.fbs: one function
// per case, so a schema restructuring means adapting one function each.

Bytes FutureVersion(const Bytes& valid) {
  auto object = testing::UnpackSummary(valid);
  object.version = kSummaryVersion + 1;
  return EncodeSummary(object);
}

Bytes UnknownSite(const Bytes& valid) {
  auto object = testing::UnpackSummary(valid);
  object.site = "not-a-site";
  return EncodeSummary(object);
}

Bytes NoSite(const Bytes& valid) {
  auto object = testing::UnpackSummary(valid);
  object.site.clear();
  return EncodeSummary(object);
}

Bytes OtherConfigHash(const Bytes& valid) {
  auto object = testing::UnpackSummary(valid);
  object.config_hash ^= 0x5a5a5a5a;
  return EncodeSummary(object);
}

Bytes BadDeviceEnum(const Bytes& valid) {
  auto object = testing::UnpackSummary(valid);
  object.facts->mutable_dims().mutate_device(static_cast<wire::DeviceClass>(200));
  return EncodeSummary(object);
}

Bytes UnknownMicroId(const Bytes& valid) {
  auto object = testing::UnpackSummary(valid);
  // A path step naming micro-conversion 249 (the demo config has far fewer).
  object.path_steps.push_back(249);
  object.path_deltas.push_back(0);
  return EncodeSummary(object);
}

Bytes EntryPageOutOfRange(const Bytes& valid) {
  auto object = testing::UnpackSummary(valid);
  object.facts->mutate_entry_page(200);
  return EncodeSummary(object);
}

Bytes TooManyPathSteps(const Bytes& valid) {
  auto object = testing::UnpackSummary(valid);
  object.path_steps.assign(5000, 0);
  return EncodeSummary(object);
}

Bytes MalformedVarints(const Bytes& valid) {
  auto object = testing::UnpackSummary(valid);
  object.path_deltas.assign(object.path_deltas.size() + 8, 0xff);
  return EncodeSummary(object);
}

// A vector whose length field claims 2^31 - 1 elements.
Bytes HugeVectorLength(const Bytes& valid) {
  Bytes bytes = valid;
  const auto* summary = flatbuffers::GetRoot<wire::Summary>(bytes.data());
  const auto* pages = summary->pages();
  if (pages == nullptr) return {};
  const size_t at = reinterpret_cast<const uint8_t*>(pages) - bytes.data();
  const uint32_t huge = 0x7fffffff;
  std::memcpy(bytes.data() + at, &huge, sizeof(huge));
  return bytes;
}

// 200 tables, each holding the next: deeper than any verifier depth limit.
Bytes DeepNesting() {
  flatbuffers::FlatBufferBuilder builder;
  flatbuffers::Offset<flatbuffers::Table> child;
  for (int depth = 0; depth < 200; ++depth) {
    const auto start = builder.StartTable();
    if (!child.IsNull()) builder.AddOffset(4, child);  // slot of `site`
    child = flatbuffers::Offset<flatbuffers::Table>(builder.EndTable(start));
  }
  builder.Finish(child, "MCS1");
  return Bytes(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
}

Bytes WrongIdentifier(const Bytes& valid) {
  Bytes bytes = valid;
  std::memcpy(bytes.data() + 4, "XXXX", 4);
  return bytes;
}

Bytes Truncated(const Bytes& valid) {
  return Bytes(valid.begin(), valid.begin() + valid.size() / 2);
}

Bytes RootOffsetFlipped(const Bytes& valid) {
  Bytes bytes = valid;
  bytes[1] ^= 0x40;  // the root offset now points far past the end
  return bytes;
}

Bytes Random(size_t size, uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes bytes(size);
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  return bytes;
}

// --- Raw HTTP, for what httplib::Client will not send. ----------------------

int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return fd;
}

// Sends `head` then `body_part`, optionally waits, and reads the answer.
std::string RawExchange(int port, const std::string& head, const std::string& body_part,
                        std::chrono::milliseconds pause = {}) {
  const int fd = Connect(port);
  if (fd < 0) return "";
  send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  send(fd, body_part.data(), body_part.size(), MSG_NOSIGNAL);
  if (pause.count() > 0) std::this_thread::sleep_for(pause);
  std::string answer;
  char buffer[4096];
  ssize_t n;
  while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0) answer.append(buffer, size_t(n));
  close(fd);
  return answer;
}

// Sends a whole body from a second thread while reading the answer, as a
// browser does: a server that answers 413 early is read, not deadlocked.
std::string RawStreamingExchange(int port, const std::string& head, const std::string& body) {
  const int fd = Connect(port);
  if (fd < 0) return "";
  send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  std::thread writer([&] {
    size_t sent = 0;
    while (sent < body.size()) {
      const ssize_t n = send(fd, body.data() + sent, body.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;  // the server closed: expected
      sent += size_t(n);
    }
  });
  std::string answer;
  char buffer[4096];
  ssize_t n;
  while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0) answer.append(buffer, size_t(n));
  shutdown(fd, SHUT_RDWR);
  writer.join();
  close(fd);
  return answer;
}

struct Answer {
  int status = 0;
  std::string body;
};

Answer ParseAnswer(const std::string& raw) {
  Answer answer;
  if (raw.size() > 12 && raw.starts_with("HTTP/1.1 ")) answer.status = std::stoi(raw.substr(9, 3));
  const size_t end = raw.find("\r\n\r\n");
  if (end != std::string::npos) answer.body = raw.substr(end + 4);
  return answer;
}

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(journeys_.ok());
    server_ = std::make_unique<ServerProcess>(
        dir_, std::vector<std::string>{"--rate", "0", "--body-timeout", "1"});
    ASSERT_TRUE(server_->Start()) << server_->LogText();
    valid_ = journeys_.Summary("purchase", 42);
  }

  Journeys journeys_;
  ServerDir dir_;
  std::unique_ptr<ServerProcess> server_;
  Bytes valid_;
};

struct BadCase {
  std::string name;
  std::function<Answer()> send;
  int status;
  std::string reason;  // the answer body starts with it ("" = any reason)
};

TEST_F(BadInputTest, EveryBadInputGets4xxWithReasonAndNothingIsStored) {
  ASSERT_EQ(server_->Post(valid_)->status, 202);
  const double stored = server_->Metric("microconv_sessions_stored");
  ASSERT_EQ(stored, 1);
  const int port = server_->port();
  auto post = [this](Bytes body, std::string type = "text/plain") {
    return [this, body = std::move(body), type] {
      auto res = server_->Post(body, type);
      return res ? Answer{res->status, res->body} : Answer{};
    };
  };
  auto method = [this](std::string verb) {
    return [this, verb] {
      auto cli = server_->Client();
      httplib::Result res = verb == "GET"   ? cli.Get("/api/collect")
                            : verb == "PUT" ? cli.Put("/api/collect", "x", "text/plain")
                                            : cli.Delete("/api/collect");
      return res ? Answer{res->status, res->body} : Answer{};
    };
  };
  const std::string head = "POST /api/collect HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n";
  const std::vector<BadCase> cases = {
      {"empty body", post({}), 400, "truncated"},
      {"truncated", post(Truncated(valid_)), 400, ""},
      {"three bytes", post({1, 2, 3}), 400, ""},
      {"random bytes", post(Random(1000, 7)), 400, ""},
      {"random bytes with our identifier", post([] {
         Bytes b = Random(600, 9);
         std::memcpy(b.data() + 4, "MCS1", 4);
         return b;
       }()),
       400, ""},
      {"bit flip in root offset", post(RootOffsetFlipped(valid_)), 400, ""},
      {"wrong file identifier", post(WrongIdentifier(valid_)), 400, "wrong_identifier"},
      {"future version", post(FutureVersion(valid_)), 400, "unsupported_version"},
      {"unknown site", post(UnknownSite(valid_)), 404, "unknown_site"},
      {"no site", post(NoSite(valid_)), 400, "out_of_range"},
      {"config hash of no known config", post(OtherConfigHash(valid_)), 409, "config_mismatch"},
      {"bad enum", post(BadDeviceEnum(valid_)), 400, "out_of_range"},
      {"unknown micro-conversion id", post(UnknownMicroId(valid_)), 400, "out_of_range"},
      {"entry page outside pages", post(EntryPageOutOfRange(valid_)), 400, "out_of_range"},
      {"path longer than the cap", post(TooManyPathSteps(valid_)), 400, "too_large"},
      {"malformed varints", post(MalformedVarints(valid_)), 400, ""},
      {"huge vector length", post(HugeVectorLength(valid_)), 400, "verify_failed"},
      {"deep nesting", post(DeepNesting()), 400, ""},
      {"oversized body", post(Bytes(kMaxSummaryBytes + 1, 0)), 413, "too_large"},
      {"10 MB body",
       [&] {
         return ParseAnswer(RawStreamingExchange(port, head + "Content-Length: 10485760\r\n\r\n",
                                                 std::string(10485760, 'x')));
       },
       413, "too_large"},
      {"10 MB declared, 1 KB sent",
       [&] {
         return ParseAnswer(
             RawExchange(port, head + "Content-Length: 10485760\r\n\r\n", std::string(1024, 'x')));
       },
       413, "too_large"},
      {"chunked body over the cap",
       [&] {
         std::string chunk(8192, 'x');
         std::string body;
         for (int i = 0; i < 3; ++i) body += "2000\r\n" + chunk + "\r\n";
         body += "0\r\n\r\n";
         return ParseAnswer(RawExchange(port, head + "Transfer-Encoding: chunked\r\n\r\n", body));
       },
       413, "too_large"},
      {"bad Content-Length",
       [&] { return ParseAnswer(RawExchange(port, head + "Content-Length: 12x\r\n\r\n", "")); },
       400, ""},
      {"wrong method GET", method("GET"), 405, "method_not_allowed"},
      {"wrong method PUT", method("PUT"), 405, "method_not_allowed"},
      {"wrong method DELETE", method("DELETE"), 405, "method_not_allowed"},
      {"wrong content type", post(valid_, "application/json"), 415, "unsupported_media_type"},
      {"form content type", post(valid_, "application/x-www-form-urlencoded"), 415,
       "unsupported_media_type"},
      {"slow body past the body deadline",
       [&] {
         const std::string bytes(valid_.begin(), valid_.end());
         return ParseAnswer(RawExchange(
             port, head + "Content-Length: " + std::to_string(bytes.size()) + "\r\n\r\n",
             bytes.substr(0, 10), std::chrono::milliseconds(1500)));
       },
       408, "request_timeout"},
  };
  ASSERT_GE(cases.size(), 20u);
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    const Answer answer = c.send();
    EXPECT_EQ(answer.status, c.status) << answer.body;
    EXPECT_FALSE(answer.body.empty());
    if (!c.reason.empty()) EXPECT_EQ(answer.body.rfind(c.reason, 0), 0u) << answer.body;
    auto health = server_->Client().Get("/healthz");
    ASSERT_TRUE(health) << "server stopped serving";
    EXPECT_EQ(health->status, 200);
  }
  EXPECT_EQ(server_->Metric("microconv_sessions_stored"), stored);
  // Still serving ingest: a valid summary right after is accepted.
  auto res = server_->Post(journeys_.Summary("dropoff_blog", 43));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 202) << res->body;
  EXPECT_EQ(server_->Metric("microconv_sessions_stored"), stored + 1);
}

// Random single-bit flips over a whole summary: each is either still a valid
// summary (202) or refused with a 4xx; never a 5xx, never a crash.
TEST_F(BadInputTest, BitFlipsAreRefusedOrStillValidNeverFatal) {
  std::mt19937 rng(1234);
  int refused = 0;
  for (int i = 0; i < 300; ++i) {
    Bytes bytes = journeys_.Summary("purchase", 1000 + i);
    bytes[rng() % bytes.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
    auto res = server_->Post(bytes);
    ASSERT_TRUE(res) << "flip " << i;
    ASSERT_TRUE(res->status == 202 || (res->status >= 400 && res->status < 500))
        << res->status << " " << res->body;
    if (res->status != 202) ++refused;
  }
  EXPECT_GT(refused, 0);
  auto health = server_->Client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace microconv::testing
