#include "util/strings.h"

#include <gtest/gtest.h>

#include "util/duration.h"

namespace pw {

TEST(Glob, SegmentsAndDoubleStar) {
  EXPECT_TRUE(glob_match("main", "main"));
  EXPECT_TRUE(glob_match("release/*", "release/1.2"));
  EXPECT_FALSE(glob_match("release/*", "release/1/2"));
  EXPECT_TRUE(glob_match("src/**", "src/a/b/c.py"));
  EXPECT_TRUE(glob_match("**/*.py", "a.py"));
  EXPECT_TRUE(glob_match("**/*.py", "x/y/a.py"));
  EXPECT_TRUE(glob_match("app/**/test_*.py", "app/test_x.py"));
  EXPECT_FALSE(glob_match("*.py", "dir/a.py"));
  EXPECT_TRUE(glob_match("feature-[0-9]?", "feature-1a"));
  EXPECT_FALSE(glob_match("feature-[!0-9]", "feature-1"));
}

TEST(Strings, ClosestMatchSuggestsTypos) {
  std::vector<std::string> keys = {"needs", "blocking", "timeout", "retry"};
  EXPECT_EQ(closest_match("need", keys), "needs");
  EXPECT_EQ(closest_match("timout", keys), "timeout");
  EXPECT_EQ(closest_match("zzzzzzzz", keys), "");
}

TEST(Strings, SanitizeKeepsUtf8AndEscapesControls) {
  EXPECT_EQ(sanitize_for_display("h\xC3\xA9llo"), "h\xC3\xA9llo");
  EXPECT_EQ(sanitize_for_display(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(sanitize_for_display("\xff"), "\xEF\xBF\xBD");
  EXPECT_EQ(sanitize_for_display("\x1b[31m"), "\\e[31m");
}

// The one XML escape (the dependency report and S3's CompleteMultipartUpload body).
TEST(Strings, XmlEscapeKeepsOnlyWhatXmlAllows) {
  EXPECT_EQ(xml_escape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
  EXPECT_EQ(xml_escape("\"0123abcd\""), "&quot;0123abcd&quot;");  // an ETag
  EXPECT_EQ(xml_escape("t\tn\nr\r"), "t\tn\nr\r");
  EXPECT_EQ(xml_escape(std::string("a\0b\x1b", 4)),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape("h\xC3\xA9llo \xE2\x82\xAC"), "h\xC3\xA9llo \xE2\x82\xAC");
  EXPECT_EQ(xml_escape("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(xml_escape("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_EQ(xml_escape("\xEF\xBF\xBE"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // U+FFFE
  EXPECT_EQ(xml_escape("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
}

TEST(Duration, ParsesTheDocumentedForms) {
  EXPECT_EQ(parse_duration("90")->count(), 90'000);
  EXPECT_EQ(parse_duration("90s")->count(), 90'000);
  EXPECT_EQ(parse_duration("5m")->count(), 300'000);
  EXPECT_EQ(parse_duration("1h30m")->count(), 5'400'000);
  EXPECT_EQ(parse_duration("250ms")->count(), 250);
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("5 minutes"));
  EXPECT_FALSE(parse_duration("-5s"));
  EXPECT_FALSE(parse_duration("1.5s"));
  EXPECT_FALSE(parse_duration("10x"));
  EXPECT_FALSE(parse_duration("5m5"));
}

TEST(Duration, RoundTripsThroughYamlSpelling) {
  for (long long ms : {1000LL, 90'000LL, 300'000LL, 5'400'000LL, 250LL, 3'725'000LL}) {
    auto text = duration_to_yaml(Millis(ms));
    ASSERT_TRUE(parse_duration(text)) << text;
    EXPECT_EQ(parse_duration(text)->count(), ms) << text;
  }
}

TEST(PercentEncode, KeepsOnlyUnreserved) {
  EXPECT_EQ(percent_encode("a b/c~d_e.f-g"), "a%20b%2Fc~d_e.f-g");
  EXPECT_EQ(percent_encode("a b/c", true), "a%20b/c");
  EXPECT_EQ(percent_encode("\xc3\xa9*"), "%C3%A9%2A");
  EXPECT_EQ(percent_encode("1.0+local!x"), "1.0%2Blocal%21x");
}

}  // namespace pw
