// One name table per enum: names both ways, Chinese names, listings for error messages.
#include "zonewatch/pipeline/core/enum_names.hpp"

#include <gtest/gtest.h>

namespace zw {
namespace {

enum class Colour { red, green, blue, unlisted };

constexpr EnumNames kColours{std::array{
    EnumName<Colour>{Colour::red, "red", "红"},
    EnumName<Colour>{Colour::green, "green", "绿"},
    EnumName<Colour>{Colour::blue, "blue"},
}};

TEST(EnumNamesTest, NamesBothWays) {
  static_assert(kColours.name(Colour::green) == "green");
  static_assert(*kColours.parse("blue") == Colour::blue);
  EXPECT_EQ(kColours.name(Colour::red), "red");
  EXPECT_EQ(kColours.name(Colour::unlisted), "");
  EXPECT_EQ(kColours.parse("green"), Colour::green);
  EXPECT_FALSE(kColours.parse("Green"));  // callers normalise case where input allows it
  EXPECT_FALSE(kColours.parse(""));
}

TEST(EnumNamesTest, ParseIgnoringAsciiCase) {
  static_assert(*kColours.parse_any_case("GREEN") == Colour::green);
  EXPECT_EQ(kColours.parse_any_case("Blue"), Colour::blue);
  EXPECT_EQ(kColours.parse_any_case("red"), Colour::red);
  EXPECT_FALSE(kColours.parse_any_case("gree"));
  EXPECT_FALSE(kColours.parse_any_case(""));
  EXPECT_FALSE(kColours.parse_any_case("红"));  // Chinese names are not English ones
}

TEST(EnumNamesTest, ChineseNames) {
  EXPECT_EQ(kColours.chinese(Colour::red), "红");
  EXPECT_EQ(kColours.chinese(Colour::blue), "");
  EXPECT_EQ(kColours.parse_chinese("绿"), Colour::green);
  EXPECT_FALSE(kColours.parse_chinese(""));  // an entry without a Chinese name never matches
  EXPECT_FALSE(kColours.parse_chinese("green"));
}

TEST(EnumNamesTest, ListingForErrorMessages) {
  EXPECT_EQ(kColours.listing(), "red, green, blue");
  EXPECT_EQ(kColours.listing(" | "), "red | green | blue");
  EXPECT_EQ(kColours.entries().size(), 3u);
}

}  // namespace
}  // namespace zw
