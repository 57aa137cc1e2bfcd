#include "core/varint.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace microconv {
namespace {

VarintRead ReadOne(const std::vector<uint8_t>& bytes, unsigned max_bits, size_t* end = nullptr) {
  size_t at = 0;
  const VarintRead read = ReadVarint(bytes, at, max_bits);
  if (end != nullptr) *end = at;
  return read;
}

TEST(VarintTest, RoundTripsBoundaryValues) {
  for (uint64_t value : {uint64_t{0}, uint64_t{1}, uint64_t{0x7f}, uint64_t{0x80}, uint64_t{0x3fff},
                         uint64_t{0x4000}, uint64_t{0xffffffff}, uint64_t{1} << 63,
                         std::numeric_limits<uint64_t>::max()}) {
    std::vector<uint8_t> bytes;
    AppendVarint(value, bytes);
    size_t end = 0;
    const VarintRead read = ReadOne(bytes, 64, &end);
    EXPECT_EQ(read.status, VarintStatus::kOk) << value;
    EXPECT_TRUE(read.minimal) << value;
    EXPECT_EQ(read.value, value);
    EXPECT_EQ(end, bytes.size()) << value;
  }
}

TEST(VarintTest, WritesLeb128) {
  std::vector<uint8_t> bytes;
  AppendVarint(300, bytes);
  EXPECT_EQ(bytes, (std::vector<uint8_t>{0xac, 0x02}));
}

TEST(VarintTest, BoundsTheBitsRead) {
  EXPECT_EQ(ReadOne({0xff, 0xff, 0xff, 0xff, 0x0f}, 32).value, 0xffffffffu);
  EXPECT_EQ(ReadOne({0xff, 0xff, 0xff, 0xff, 0x10}, 32).status, VarintStatus::kOverflow);
  EXPECT_EQ(ReadOne({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 32).status, VarintStatus::kOverflow);
  std::vector<uint8_t> max64(9, 0xff);
  max64.push_back(0x01);
  EXPECT_EQ(ReadOne(max64, 64).value, std::numeric_limits<uint64_t>::max());
  max64.back() = 0x02;
  EXPECT_EQ(ReadOne(max64, 64).status, VarintStatus::kOverflow);
}

TEST(VarintTest, TellsCutOffAndPaddedEncodings) {
  EXPECT_EQ(ReadOne({}, 32).status, VarintStatus::kTruncated);
  EXPECT_EQ(ReadOne({0x80}, 32).status, VarintStatus::kTruncated);
  const VarintRead padded = ReadOne({0x81, 0x00}, 32);
  EXPECT_EQ(padded.status, VarintStatus::kOk);
  EXPECT_EQ(padded.value, 1u);
  EXPECT_FALSE(padded.minimal);
  EXPECT_TRUE(ReadOne({0x00}, 32).minimal);
}

TEST(VarintTest, DecodesAWholeVector) {
  std::vector<uint32_t> values;
  ASSERT_TRUE(DecodeVarints(std::vector<uint8_t>{0x01, 0xac, 0x02, 0x00}, values));
  EXPECT_EQ(values, (std::vector<uint32_t>{1, 300, 0}));
  EXPECT_FALSE(DecodeVarints(std::vector<uint8_t>{0x01, 0xac}, values));
  EXPECT_EQ(values, (std::vector<uint32_t>{1}));
  ASSERT_TRUE(DecodeVarints({}, values));
  EXPECT_TRUE(values.empty());
}

}  // namespace
}  // namespace microconv
