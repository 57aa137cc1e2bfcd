// Deflated beacons (`POST /api/collect?z=1`, web/tracker/deflate.js): the
// collector inflates them with the beacon dictionary before the Verifier,
// never past the summary cap, and refuses what does not inflate.
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "core/beacon_dictionary.h"
#include "core/summary.h"
#include "journeys.h"
#include "server_process.h"

namespace microconv::testing {
namespace {

const std::vector<std::string> kServerFlags = {"--k", "1", "--rate", "0"};

// Raw deflate of `bytes` with the beacon dictionary (or none), as zlib makes it.
std::string Deflate(const std::vector<uint8_t>& bytes, bool dictionary = true) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY), Z_OK);
  if (dictionary) {
    EXPECT_EQ(deflateSetDictionary(&stream, kBeaconDictionary, sizeof(kBeaconDictionary)), Z_OK);
  }
  std::string out(deflateBound(&stream, bytes.size()), '\0');
  stream.next_in = const_cast<Bytef*>(bytes.data());
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - stream.avail_out);
  deflateEnd(&stream);
  return out;
}

class BeaconInflateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(journeys_.ok());
    server_ = std::make_unique<ServerProcess>(dir_, kServerFlags);
    ASSERT_TRUE(server_->Start()) << server_->LogText();
  }

  httplib::Result PostDeflated(const std::string& body, const std::string& version = "1") {
    return server_->Anonymous().Post("/api/collect?z=" + version, body, "text/plain");
  }

  Journeys journeys_;
  ServerDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(BeaconInflateTest, DeflatedSummaryIsStoredAsItsPlainBytes) {
  const std::vector<uint8_t> summary = journeys_.Summary("purchase", 41);
  const std::string body = Deflate(summary);
  ASSERT_LT(body.size(), summary.size());
  auto res = PostDeflated(body);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 202) << res->body;
  EXPECT_EQ(server_->Metric("microconv_sessions_stored"), 1);
  // The same summary sent plain is the same session and seq: nothing new.
  auto plain = server_->Post(summary);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 202) << plain->body;
  EXPECT_EQ(server_->Metric("microconv_sessions_stored"), 1);
}

TEST_F(BeaconInflateTest, InflatingPastTheSummaryCapIs413) {
  // 1 MiB of zeros deflates to about a kilobyte: a small body, a large bomb.
  const std::string bomb = Deflate(std::vector<uint8_t>(1 << 20, 0));
  ASSERT_LT(bomb.size(), kMaxSummaryBytes);
  auto res = PostDeflated(bomb);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413) << res->body;
  EXPECT_NE(res->body.find("too_large"), std::string::npos) << res->body;
}

TEST_F(BeaconInflateTest, WhatDoesNotInflateIsRefused) {
  const std::string body = Deflate(journeys_.Summary("purchase", 42));
  for (const auto& [what, bad, version] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"unknown dictionary", body, "2"},
           {"truncated stream", body.substr(0, body.size() / 2), "1"},
           {"trailing bytes", body + "x", "1"},
           {"not deflate", std::string(40, '\xff'), "1"},
           // Inflates (no back reference reaches the dictionary), but to bytes
           // that are no summary: the Verifier still has its say.
           {"not a summary", Deflate(std::vector<uint8_t>(64, 7), false), "1"}}) {
    auto res = PostDeflated(bad, version);
    ASSERT_TRUE(res) << what;
    EXPECT_EQ(res->status, 400) << what << ": " << res->body;
  }
  EXPECT_EQ(server_->Metric("microconv_sessions_stored"), 0);
}

}  // namespace
}  // namespace microconv::testing
