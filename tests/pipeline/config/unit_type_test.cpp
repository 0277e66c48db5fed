// Unit type names: English in any case, Chinese names and the short forms of provincial
// ledgers, round trips through the one name table.
#include "zonewatch/pipeline/config/unit_type.hpp"

#include <gtest/gtest.h>

namespace zw {
namespace {

TEST(UnitTypeTest, EnglishNamesAnyCaseAndSurroundingSpace) {
  EXPECT_EQ(unit_type_from_string("priority"), UnitType::priority);
  EXPECT_EQ(unit_type_from_string("Key"), UnitType::key);
  EXPECT_EQ(unit_type_from_string("GENERAL"), UnitType::general);
  EXPECT_EQ(unit_type_from_string("  general\t"), UnitType::general);
  EXPECT_EQ(unit_type_from_string("Priority Protection"), UnitType::priority);
  EXPECT_EQ(unit_type_from_string("key control"), UnitType::key);
  EXPECT_EQ(unit_type_from_string("General Control"), UnitType::general);
}

TEST(UnitTypeTest, ChineseNamesAndShortForms) {
  EXPECT_EQ(unit_type_from_string("优先保护单元"), UnitType::priority);
  EXPECT_EQ(unit_type_from_string("重点管控单元"), UnitType::key);
  EXPECT_EQ(unit_type_from_string("一般管控单元"), UnitType::general);
  EXPECT_EQ(unit_type_from_string(" 重点管控单元 "), UnitType::key);
  EXPECT_EQ(unit_type_from_string("优先保护"), UnitType::priority);
  EXPECT_EQ(unit_type_from_string("重点管控"), UnitType::key);
  EXPECT_EQ(unit_type_from_string("一般管控"), UnitType::general);
}

TEST(UnitTypeTest, UnknownNamesAreRejected) {
  for (const char* text :
       {"", "  ", "protected", "priorities", "key-control", "一般", "管控单元", "1", "优先保护单元x"}) {
    EXPECT_FALSE(unit_type_from_string(text).has_value()) << text;
  }
}

TEST(UnitTypeTest, NamesRoundTrip) {
  for (UnitType t : {UnitType::priority, UnitType::key, UnitType::general}) {
    EXPECT_EQ(unit_type_from_string(to_string(t)), t);
    EXPECT_EQ(unit_type_from_string(chinese_name(t)), t);
  }
  EXPECT_EQ(to_string(UnitType::priority), "priority");
  EXPECT_EQ(chinese_name(UnitType::key), "重点管控单元");
}

}  // namespace
}  // namespace zw
