// Hostile and broken XML through the JUnit and Cobertura parsers: DOCTYPE bombs, truncation,
// empty files, encodings, huge attributes. None may crash, hang or expand an entity.
#include <gtest/gtest.h>

#include <chrono>

#include "reports/cobertura.h"
#include "reports/junit.h"
#include "support.h"

namespace pw::reports {
namespace {

using testing::fixture;
using testing::read_fixture;
using testing::TempDir;

template <class F>
double millis(F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

TEST(XmlInput, BillionLaughsIsRefusedQuicklyWithoutExpanding) {
  Parsed<JUnitReport> r;
  double ms = millis([&] { r = parse_junit_file(fixture("xml/billion-laughs.xml")); });
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u);
  const Diagnostic& d = r.errors[0];
  EXPECT_EQ(d.file, fixture("xml/billion-laughs.xml").string());
  EXPECT_EQ(d.line, 2);  // the DOCTYPE's line
  EXPECT_EQ(d.col, 1);
  EXPECT_NE(d.message.find("DOCTYPE"), std::string::npos) << d.message;
  EXPECT_TRUE(r.value.failures.empty());
  EXPECT_LT(ms, 100.0);
}

TEST(XmlInput, BillionLaughsScaledUpIsStillLinear) {
  // A DOCTYPE with a 20 MB internal subset: refused from the prolog, before pugixml sees it.
  std::string doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE x [\n";
  doc += "<!ENTITY a \"" + std::string(20 << 20, 'a') + "\">\n]>\n<testsuites/>";
  Parsed<JUnitReport> r;
  double ms = millis([&] { r = parse_junit(doc); });
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("DOCTYPE"), std::string::npos);
  EXPECT_LT(ms, 200.0);
}

TEST(XmlInput, ExternalEntityIsRefused) {
  auto r = parse_cobertura_file(fixture("xml/external-entity.xml"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 2);
  EXPECT_NE(r.errors[0].message.find("DOCTYPE"), std::string::npos);
  EXPECT_TRUE(r.value.sources.empty());
}

TEST(XmlInput, DoctypeAfterCommentsAndBomIsStillFound) {
  std::string doc =
      "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- a comment -->\n<?pi x?>\n"
      "<!DOCTYPE testsuites [<!ENTITY e \"x\">]>\n<testsuites/>";
  auto r = parse_junit(doc);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 4);
  EXPECT_EQ(r.errors[0].file, "<junit xml>");
}

TEST(XmlInput, Utf16DoctypeIsCaughtAfterDecoding) {
  // UTF-16LE with BOM: the byte-level prolog scan cannot read it; the node check after parsing
  // must still refuse it.
  std::string utf8 =
      "<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE t [<!ENTITY e \"x\">]><testsuites/>";
  std::string utf16 = "\xFF\xFE";
  for (char c : utf8) {
    utf16 += c;
    utf16 += '\0';
  }
  auto r = parse_junit(utf16);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("DOCTYPE"), std::string::npos);
}

TEST(XmlInput, UndeclaredEntityStaysLiteral) {
  // Without a DOCTYPE an entity reference cannot be defined; pugixml leaves it as text.
  auto r = parse_junit(
      "<testsuites><testsuite><testcase classname=\"m\" name=\"t\"><failure "
      "message=\"&lol9;\"/></testcase></testsuite></testsuites>");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value.failures.size(), 1u);
  EXPECT_EQ(r.value.failures[0].message, "&lol9;");
}

TEST(XmlInput, TruncatedReportNamesFileLineAndColumn) {
  auto path = fixture("xml/truncated-junit.xml");
  auto r = parse_junit_file(path);
  ASSERT_EQ(r.errors.size(), 1u);
  const Diagnostic& d = r.errors[0];
  EXPECT_EQ(d.file, path.string());
  // The cut is in an attribute value on the last line; pugixml points at where that value
  // starts (just after the last 'name="' of the file).
  std::string text = read_fixture("xml/truncated-junit.xml");
  int lines = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  EXPECT_EQ(d.line, lines);
  size_t last_line = text.rfind('\n') + 1;
  size_t attr = text.rfind("name=\"");
  EXPECT_EQ(d.col, static_cast<int>(attr + 6 - last_line) + 1);
  EXPECT_NE(d.message.find("malformed XML"), std::string::npos);
  EXPECT_NE(d.message.find("truncated"), std::string::npos) << d.message;
  EXPECT_EQ(d.str().rfind(path.string() + ":" + std::to_string(d.line) + ":", 0), 0u) << d.str();
}

TEST(XmlInput, MismatchedTagPositionIsOnTheRightLine) {
  std::string doc =
      "<?xml version=\"1.0\"?>\n<coverage>\n  <sources>\n    <source>/x</sourc>\n  </sources>\n"
      "</coverage>\n";
  auto r = parse_cobertura(doc, {.source = "coverage.xml"});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].file, "coverage.xml");
  EXPECT_EQ(r.errors[0].line, 4);
  EXPECT_GT(r.errors[0].col, 10);
  EXPECT_EQ(r.errors[0].message.find("malformed XML: Start-end tags mismatch"), 0u)
      << r.errors[0].message;
}

TEST(XmlInput, PositionsCountCharactersNotBytes) {
  // "é" is two bytes; the column of the broken tag after it must count it once.
  auto accented = parse_junit("<testsuites name=\"\xC3\xA9\">\n  <oops</testsuites>");
  auto plain = parse_junit("<testsuites name=\"e\">\n  <oops</testsuites>");
  ASSERT_EQ(accented.errors.size(), 1u);
  ASSERT_EQ(plain.errors.size(), 1u);
  EXPECT_EQ(accented.errors[0].line, 2);
  EXPECT_EQ(accented.errors[0].col, plain.errors[0].col);
  auto first_line = parse_junit("<testsuites name=\"\xC3\xA9\xC3\xA9\"><oops</testsuites>");
  auto first_plain = parse_junit("<testsuites name=\"ee\"><oops</testsuites>");
  EXPECT_EQ(first_line.errors[0].col, first_plain.errors[0].col);
}

TEST(XmlInput, TruncatedFromFileMatchesTruncatedFromString) {
  std::string text = read_fixture("recorded/junit-xunit2.xml");
  // Cut in the middle of the multi-line failure text, so the position is past a few newlines.
  size_t cut = text.find("AssertionError</failure>");
  ASSERT_NE(cut, std::string::npos);
  std::string truncated = text.substr(0, cut + 5);
  TempDir dir;
  auto path = dir.write("junit.xml", truncated);
  auto from_file = parse_junit_file(path);
  auto from_string = parse_junit(truncated);
  ASSERT_EQ(from_file.errors.size(), 1u);
  ASSERT_EQ(from_string.errors.size(), 1u);
  EXPECT_GT(from_file.errors[0].line, 1);
  EXPECT_EQ(from_file.errors[0].line, from_string.errors[0].line);
  EXPECT_EQ(from_file.errors[0].col, from_string.errors[0].col);
}

TEST(XmlInput, EmptyFileIsAClearError) {
  auto r = parse_junit_file(fixture("xml/empty.xml"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("empty file"), std::string::npos);
  auto c = parse_cobertura("   \n");
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_NE(c.errors[0].message.find("empty file"), std::string::npos);
}

TEST(XmlInput, MissingFileIsAnErrorNotAThrow) {
  auto r = parse_cobertura_file("/nonexistent/coverage.xml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].file, "/nonexistent/coverage.xml");
  EXPECT_NE(r.errors[0].message.find("No such file"), std::string::npos);
  auto d = parse_junit_file(fixture("xml"));  // a directory
  ASSERT_EQ(d.errors.size(), 1u);
}

TEST(XmlInput, WrongKindOfReportIsNamed) {
  auto r = parse_junit_file(fixture("recorded/coverage.xml"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("root element is <coverage>"), std::string::npos)
      << r.errors[0].message;
  auto c = parse_cobertura_file(fixture("recorded/junit-xunit2.xml"));
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_NE(c.errors[0].message.find("<testsuites>"), std::string::npos);
}

TEST(XmlInput, NotXmlAtAll) {
  auto r = parse_junit("Traceback (most recent call last):\n  File \"x\", line 1\n");
  ASSERT_EQ(r.errors.size(), 1u);
  auto c = parse_cobertura(std::string("\0\0\0\x01\x02", 5));
  ASSERT_EQ(c.errors.size(), 1u);
}

TEST(XmlInput, Latin1DeclaredIsConverted) {
  auto r = parse_junit_file(fixture("xml/junit-latin1.xml"));
  ASSERT_TRUE(r.ok()) << join_diagnostics(r.errors);
  EXPECT_TRUE(r.warnings.empty());
  ASSERT_EQ(r.value.failures.size(), 1u);
  EXPECT_EQ(r.value.failures[0].name, "test_na\xC3\xAFve");
  EXPECT_EQ(r.value.failures[0].message, "caf\xC3\xA9 != cafe");
  EXPECT_EQ(r.value.failures[0].nodeid, "tests/test_caf\xC3\xA9.py::test_na\xC3\xAFve");
}

TEST(XmlInput, InvalidUtf8IsRepairedWithAWarning) {
  auto r = parse_junit_file(fixture("xml/junit-invalid-utf8.xml"));
  ASSERT_TRUE(r.ok()) << join_diagnostics(r.errors);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].message.find("U+FFFD"), std::string::npos);
  EXPECT_EQ(r.value.totals.tests, 2);
  EXPECT_EQ(r.value.totals.failed, 1);
  ASSERT_EQ(r.value.failures.size(), 1u);
  EXPECT_EQ(r.value.failures[0].message, "got b\xEF\xBF\xBDte \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(XmlInput, HugeAttributeValuesAreKeptWhole) {
  std::string big(8 << 20, 'x');  // an 8 MiB assertion message
  std::string doc = "<testsuites><testsuite><testcase classname=\"tests.test_big\" name=\"test_" +
                    std::string(100000, 'n') + "\"><failure message=\"" + big +
                    "\">tests/test_big.py:1: AssertionError</failure></testcase>"
                    "</testsuite></testsuites>";
  Parsed<JUnitReport> r;
  double ms = millis([&] { r = parse_junit(doc); });
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value.failures.size(), 1u);
  EXPECT_EQ(r.value.failures[0].message.size(), big.size());
  EXPECT_EQ(r.value.failures[0].name.size(), 100005u);
  EXPECT_EQ(r.value.failures[0].line, 1);
  EXPECT_LT(ms, 2000.0);

  std::string cov = "<coverage><packages><package name=\".\"><classes><class filename=\"" +
                    std::string(1 << 20, 'f') +
                    ".py\"><lines><line number=\"1\" hits=\"1\" missing-branches=\"" +
                    std::string(1 << 20, '9') +
                    "\"/></lines></class></classes></package>"
                    "</packages></coverage>";
  auto c = parse_cobertura(cov);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c.value.files.size(), 1u);
  EXPECT_EQ(c.value.files[0].filename.size(), (1u << 20) + 3);
}

TEST(XmlInput, NumbersThatDoNotParseAreNotFatal) {
  auto r = parse_junit(
      "<testsuites><testsuite time=\"soon\"><testcase classname=\"m\" name=\"t\" "
      "time=\"NaN-ish\"/></testsuite></testsuites>");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.totals.tests, 1);
  EXPECT_EQ(r.value.totals.duration_s, 0.0);
}

}  // namespace
}  // namespace pw::reports
