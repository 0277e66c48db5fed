// Internal text helpers: terminal widths of Chinese text, CSV quoting, numbers.
#include "zonewatch/pipeline/core/text_util.hpp"

#include <gtest/gtest.h>

namespace zw::text {
namespace {

TEST(TextUtilTest, ChineseTakesTwoTerminalColumns) {
  EXPECT_EQ(display_width("new"), 3u);
  EXPECT_EQ(display_width("新发现"), 6u);
  EXPECT_EQ(display_width("重庆市江津区 (3)"), 16u);
  EXPECT_EQ(display_width("ＡＢ"), 4u);  // fullwidth forms
  EXPECT_EQ(display_width("°′é"), 3u);   // narrow non-ASCII
  EXPECT_EQ(display_width(""), 0u);
}

TEST(TextUtilTest, PadRightAlignsByColumnsNotBytes) {
  EXPECT_EQ(pad_right("误报", 6), "误报  ");
  EXPECT_EQ(pad_right("false", 6), "false ");
  EXPECT_EQ(display_width(pad_right("已派发核查", 12)), 12u);
  EXPECT_EQ(pad_right("合法合规合法合规", 4), "合法合规合法合规") << "never cut";
}

TEST(TextUtilTest, CsvQuotingAndLocaleFreeNumbers) {
  EXPECT_EQ(csv_escape("plain"), "plain");
  EXPECT_EQ(csv_escape("a,\"b\""), "\"a,\"\"b\"\"\"");
  EXPECT_EQ(fixed(-0.00001, 3), "0.000");
  EXPECT_EQ(fixed(1234.5678, 2), "1234.57");
  EXPECT_EQ(lower("B8A.JP2"), "b8a.jp2");
  EXPECT_EQ(lower_trimmed("  Path\t"), "path");
}

TEST(TextUtilTest, TrimAndAsciiCase) {
  EXPECT_EQ(trim(" \t key control\r\n"), "key control");
  EXPECT_EQ(trim(" \n "), "");
  EXPECT_EQ(trim_blanks(" \tline\r\n\t "), "line\r\n");
  EXPECT_EQ(upper("b02_10m.jp2 重点"), "B02_10M.JP2 重点");
  EXPECT_EQ(lower("MTD_MSIL1C.XML 重点"), "mtd_msil1c.xml 重点");
  EXPECT_EQ(lower_trimmed("  False_Alarm\t"), "false_alarm");
}

TEST(TextUtilTest, PrintfStringCountsBytesLikePrintf) {
  EXPECT_EQ(printf_string("%-6s|%3d|%.1f", "ab", 7, 2.25), "ab    |  7|2.2");
  EXPECT_EQ(printf_string("%-4s|", "°"), "°  |");  // two bytes, so two spaces
  EXPECT_EQ(printf_string("%s", std::string(5000, 'x').c_str()).size(), 5000u);
  EXPECT_EQ(printf_string("%s", ""), "");
}

}  // namespace
}  // namespace zw::text
