// Internal text helpers: terminal widths of Chinese text, CSV quoting, numbers; untrusted text
// kept text in CSV (formula injection), XML/HTML (markup, control characters), terminals and IDs.
#include "zonewatch/pipeline/core/text_util.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace zw::text {
namespace {

using namespace std::string_literals;

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

// What the outside world puts into names, regions, approval numbers and notes.
const std::vector<std::string> kHostile{
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "]]><evil/>",
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "\tleading tab",
    "\rleading return",
    "nul\0and bell\a and escape\x1b[31m"s,
};

TEST(TextUtilTest, NeutraliseFormulaPrefixesFormulaCharactersButKeepsNumbers) {
  EXPECT_EQ(neutralise_formula("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
  EXPECT_EQ(neutralise_formula("+SUM(1,2)"), "'+SUM(1,2)");
  EXPECT_EQ(neutralise_formula("-2+3+cmd|' /C calc'!A0"), "'-2+3+cmd|' /C calc'!A0");
  EXPECT_EQ(neutralise_formula("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(neutralise_formula("\t=1+1"), "'\t=1+1");
  EXPECT_EQ(neutralise_formula("\r=1+1"), "'\r=1+1");
  EXPECT_EQ(neutralise_formula("-"), "'-") << "a lone sign is not a number";
  EXPECT_EQ(neutralise_formula("-3.5"), "-3.5") << "negative numbers stay numbers";
  EXPECT_EQ(neutralise_formula("-0.000"), "-0.000");
  EXPECT_EQ(neutralise_formula("-12"), "-12");
  EXPECT_EQ(neutralise_formula("-1.5e-3"), "-1.5e-3");
  EXPECT_EQ(neutralise_formula("-3."), "'-3.") << "not a plain number";
  EXPECT_EQ(neutralise_formula("-3.5e"), "'-3.5e");
  EXPECT_EQ(neutralise_formula("-3,5"), "'-3,5");
  EXPECT_EQ(neutralise_formula("+3"), "'+3") << "only '-' is a number sign here";
  EXPECT_EQ(neutralise_formula("a=b"), "a=b") << "only the first character counts";
  EXPECT_EQ(neutralise_formula("重庆=1"), "重庆=1");
  EXPECT_EQ(neutralise_formula(""), "");
  EXPECT_TRUE(is_plain_number("0"));
  EXPECT_TRUE(is_plain_number("106.512345"));
  EXPECT_FALSE(is_plain_number(""));
  EXPECT_FALSE(is_plain_number("1 "));
  EXPECT_FALSE(is_plain_number(".5"));
}

TEST(TextUtilTest, RestoreFormulaUndoesOnlyTheNeutralisingApostrophe) {
  for (const std::string& hostile : kHostile) {
    EXPECT_EQ(restore_formula(neutralise_formula(hostile)), hostile) << hostile;
  }
  EXPECT_EQ(restore_formula("'quoted'"), "'quoted'") << "an apostrophe before text is the text's";
  EXPECT_EQ(restore_formula("'"), "'");
  EXPECT_EQ(restore_formula("-3.5"), "-3.5");
  EXPECT_EQ(restore_formula("'-3.5"), "'-3.5") << "neutralise_formula never puts an apostrophe before a number";
}

TEST(TextUtilTest, CsvTextQuotesAndNeutralisesAndParsesBack) {
  EXPECT_EQ(csv_text("=HYPERLINK(\"http://x\",\"y\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  EXPECT_EQ(csv_text("-106.5"), "-106.5");
  EXPECT_EQ(csv_text("plain"), "plain");
  EXPECT_EQ(csv_line({"=1+1", "-3.5", "a,b", "@x"}), "'=1+1,-3.5,\"a,b\",'@x\r\n");
  // Every hostile field comes back from the parser as one field, neutralised.
  std::vector<std::string> row = kHostile;
  row.emplace_back("multi\nline, \"quoted\"");
  const std::vector<CsvRow> parsed = parse_csv(csv_line(row));
  ASSERT_EQ(parsed.size(), 1u);
  ASSERT_EQ(parsed[0].fields.size(), row.size());
  for (std::size_t i = 0; i < row.size(); ++i) {
    EXPECT_EQ(parsed[0].fields[i], neutralise_formula(row[i])) << i;
    EXPECT_EQ(restore_formula(parsed[0].fields[i]), row[i]) << i;
    EXPECT_EQ(std::string_view("=+-@\t\r").find(parsed[0].fields[i].front()), std::string_view::npos)
        << "field " << i << " still starts with a formula character";
  }
}

TEST(TextUtilTest, XmlEscapeKeepsMarkupAsTextAndDropsWhatXmlForbids) {
  EXPECT_EQ(xml_escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(xml_escape("\"><img src=x onerror=alert(1)>"), "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
  EXPECT_EQ(xml_escape("]]>"), "]]&gt;");
  EXPECT_EQ(xml_escape("a'b&c"), "a&#39;b&amp;c");
  EXPECT_EQ(xml_escape("tab\tline\nreturn\r"), "tab\tline\nreturn\r") << "XML 1.0 allows these three";
  EXPECT_EQ(xml_escape("a\0b\x01"
                       "c\x1b[31md\x7f"s),
            "a\uFFFDb\uFFFDc\uFFFD[31md\uFFFD");
  EXPECT_EQ(xml_escape("\u0085\u009b"), "\uFFFD\uFFFD") << "C1 controls";
  EXPECT_EQ(xml_escape("\xEF\xBF\xBE\xEF\xBF\xBF"), "\uFFFD\uFFFD") << "U+FFFE and U+FFFF are not XML characters";
  EXPECT_EQ(xml_escape("gbk \xD6\xD8 \xC0"), "gbk \uFFFD\uFFFD \uFFFD") << "bytes that are not UTF-8";
  EXPECT_EQ(xml_escape("重庆市江津区 😀 °"), "重庆市江津区 😀 °");
  for (const std::string& hostile : kHostile) {
    const std::string escaped = xml_escape(hostile);
    EXPECT_EQ(escaped.find_first_of("<>\"'"), std::string::npos) << hostile;
    EXPECT_EQ(escaped.find("]]>"), std::string::npos) << hostile;
    EXPECT_EQ(invalid_utf8_offset(escaped), std::string::npos) << hostile;
    for (const char c : escaped) {
      EXPECT_TRUE(static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') << hostile;
    }
  }
}

TEST(TextUtilTest, PrintableReplacesEveryControlCharacter) {
  EXPECT_EQ(printable("\x1b]0;owned\x07\x1b[2J"), "\uFFFD]0;owned\uFFFD\uFFFD[2J");
  EXPECT_EQ(printable("line\nbreak\ttab\rreturn"), "line\uFFFDbreak\uFFFDtab\uFFFDreturn");
  EXPECT_EQ(printable("\u009b31m"), "\uFFFD31m") << "C1 CSI";
  EXPECT_EQ(printable("\xFF"), "\uFFFD");
  EXPECT_EQ(printable("<script> =cmd 重庆"), "<script> =cmd 重庆") << "only controls change";
}

TEST(TextUtilTest, IdProblemRefusesWhatCannotBeAnIdOrAFileName) {
  EXPECT_EQ(id_problem("ZH50011610001"), "");
  EXPECT_EQ(id_problem("ZH-500116_10001.a'&]"), "") << "safe punctuation";
  EXPECT_EQ(id_problem("重庆ZH01"), "");
  EXPECT_EQ(id_problem("ZH01\x1b[31m"), "holds the control character U+001B");
  EXPECT_EQ(id_problem("ZH\0"s), "holds the control character U+0000");
  EXPECT_EQ(id_problem("ZH01\n"), "holds the control character U+000A");
  EXPECT_EQ(id_problem("ZH\u0085"), "holds the control character U+0085");
  EXPECT_EQ(id_problem("../ZH01"), "holds a path separator '/'");
  EXPECT_EQ(id_problem("ZH\\01"), "holds a path separator '\\'");
  EXPECT_EQ(id_problem("ZH<01"), "holds '<', which file names on Windows cannot hold");
  EXPECT_EQ(id_problem("ZH\"01"), "holds '\"', which file names on Windows cannot hold");
  EXPECT_EQ(id_problem("ZH:01"), "holds ':', which file names on Windows cannot hold");
  EXPECT_EQ(id_problem("=ZH01"), "starts with '=', which spreadsheets run as a formula");
  EXPECT_EQ(id_problem("-1"), "starts with '-', which spreadsheets run as a formula");
  EXPECT_EQ(id_problem("@ZH"), "starts with '@', which spreadsheets run as a formula");
  EXPECT_EQ(id_problem("ZH\xC0"), "is not UTF-8 (byte 2)");
}

}  // namespace
}  // namespace zw::text
