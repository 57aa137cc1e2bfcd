// The one flag parser of the microconv commands (tools/base/flags.h).
#include "tools/base/flags.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace microconv::testing {
namespace {

Result<Flags> Parse(std::vector<std::string> args, size_t max_positional = 1) {
  args.insert(args.begin(), "command");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return Flags::Parse(static_cast<int>(argv.size()), argv.data(),
                      {{"--store"}, {"--k"}, {"--rate"}, {"-o"}, {"--final-only", false}},
                      max_positional);
}

TEST(FlagsTest, TakesSpaceAndEqualsForms) {
  auto flags = Parse({"--store", "sqlite:a", "--k=3", "-o", "out", "--rate=2.5", "file"});
  ASSERT_TRUE(flags.ok()) << flags.message();
  EXPECT_EQ(flags.value().Get("--store"), "sqlite:a");
  EXPECT_EQ(flags.value().Int("--k", -1, 0, 10).value(), 3);
  EXPECT_EQ(flags.value().Get("-o"), "out");
  EXPECT_DOUBLE_EQ(flags.value().Number("--rate", 0, 0, 100).value(), 2.5);
  EXPECT_EQ(flags.value().positional(), std::vector<std::string>{"file"});
  EXPECT_FALSE(flags.value().Has("--final-only"));
  EXPECT_FALSE(flags.value().help());
}

TEST(FlagsTest, ValuesMayLookLikeAnythingAndTheLastRepeatWins) {
  auto flags = Parse({"--store", "-", "--store=a=b", "--k", "-5", "--final-only"});
  ASSERT_TRUE(flags.ok()) << flags.message();
  EXPECT_EQ(flags.value().Get("--store"), "a=b");
  EXPECT_TRUE(flags.value().Has("--final-only"));
  auto k = flags.value().Int("--k", -1, 0, 10);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.message(), "--k: expected an integer in [0, 10], got \"-5\"");
}

TEST(FlagsTest, AbsentFlagsGiveTheFallback) {
  auto flags = Parse({});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags.value().Get("--store", "x"), "x");
  EXPECT_EQ(flags.value().Int("--k", -1, 0, 10).value(), -1);
  EXPECT_DOUBLE_EQ(flags.value().Number("--rate", 50, 0, 100).value(), 50);
}

TEST(FlagsTest, ErrorsNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const std::vector<Case> cases = {
      {{"--bogus", "1"}, "unknown flag --bogus"},
      {{"--bogus=1"}, "unknown flag --bogus"},
      {{"--store"}, "--store: missing value"},
      {{"--final-only=yes"}, "--final-only: takes no value"},
      {{"a", "b"}, "unexpected argument b"},
  };
  for (const Case& c : cases) {
    auto flags = Parse(c.args);
    ASSERT_FALSE(flags.ok()) << c.message;
    EXPECT_EQ(flags.error(), Error::kOutOfRange);
    EXPECT_EQ(flags.message(), c.message);
  }
  auto number = Parse({"--rate", "fast"});
  ASSERT_TRUE(number.ok());
  EXPECT_EQ(number.value().Number("--rate", 0, 0, 100).message(),
            "--rate: expected a number in [0, 100], got \"fast\"");
  auto trailing = Parse({"--k", "3x"});
  EXPECT_FALSE(trailing.value().Int("--k", 0, 0, 10).ok());
}

TEST(FlagsTest, HelpStopsParsing) {
  auto flags = Parse({"--help", "--bogus"});
  ASSERT_TRUE(flags.ok());
  EXPECT_TRUE(flags.value().help());
  EXPECT_TRUE(Parse({"-h"}).value().help());
}

}  // namespace
}  // namespace microconv::testing
