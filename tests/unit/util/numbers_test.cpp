// Numbers from text: overflow, garbage and empty text are errors that say what was wrong.
#include "util/numbers.h"

#include <gtest/gtest.h>

#include "util/error.h"
#include "util/json.h"

namespace pw {

TEST(Numbers, WholeNumbersInRange) {
  EXPECT_EQ(*parse_int("42"), 42);
  EXPECT_EQ(*parse_int(" +7 "), 7);
  EXPECT_EQ(*parse_int("-3"), -3);
  EXPECT_EQ(*parse_int("ff", 0, 255, 16), 255);
  EXPECT_EQ(parse_int("0", 1, 999999999).error(), "'0' is out of range (allowed: 1 to 999999999)");
  EXPECT_EQ(parse_int("70000", 1, 65535).error(), "'70000' is out of range (allowed: 1 to 65535)");
  EXPECT_EQ(parse_int("", 0, 9).error(), "empty text where a whole number was expected");
  EXPECT_EQ(parse_int("12x").error(), "'12x' is not a whole number");
  EXPECT_EQ(parse_int("1.5").error(), "'1.5' is not a whole number");
  EXPECT_EQ(parse_int("-").error(), "'-' is not a whole number");
  EXPECT_FALSE(parse_int("gg", 0, 255, 16));
}

TEST(Numbers, OverflowIsAnErrorNotAnException) {
  auto big = parse_uint("99999999999999999999999999");
  EXPECT_FALSE(big);
  EXPECT_EQ(big.error(), "'99999999999999999999999999' is out of range");
  EXPECT_EQ(*parse_uint("18446744073709551615"), 18446744073709551615ull);
  EXPECT_FALSE(parse_uint("18446744073709551616"));
  EXPECT_FALSE(parse_uint("-1"));
  EXPECT_FALSE(parse_int("9223372036854775808"));
  EXPECT_EQ(parse_uint("300", 255).error(), "'300' is out of range (allowed: at most 255)");
  try {
    parse_uint("99999999999999999999").value_or_throw("HEAD a.txt: Content-Length");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "HEAD a.txt: Content-Length: '99999999999999999999' is out of range");
  }
}

TEST(Numbers, Doubles) {
  EXPECT_DOUBLE_EQ(*parse_double("0.5"), 0.5);
  EXPECT_DOUBLE_EQ(*parse_double("-1e3"), -1000);
  EXPECT_FALSE(parse_double("nan"));
  EXPECT_FALSE(parse_double("inf"));
  EXPECT_FALSE(parse_double("1e999"));
  EXPECT_FALSE(parse_double(""));
  EXPECT_EQ(parse_double("abc").error(), "'abc' is not a number");
}

TEST(Numbers, Percentages) {
  EXPECT_DOUBLE_EQ(*parse_percent("85"), 85);
  EXPECT_DOUBLE_EQ(*parse_percent("85.5%"), 85.5);
  EXPECT_DOUBLE_EQ(*parse_percent(" 100 % "), 100);
  EXPECT_EQ(parse_percent("101").error(), "'101' is out of range (allowed: 0 to 100)");
  EXPECT_FALSE(parse_percent("-1"));
  EXPECT_FALSE(parse_percent("%"));
  EXPECT_FALSE(parse_percent("ten"));
}

TEST(Numbers, Sizes) {
  EXPECT_EQ(*parse_size("5242880"), 5242880u);
  EXPECT_EQ(*parse_size("512k"), 512u * 1024);
  EXPECT_EQ(*parse_size("8MB"), 8u << 20);
  EXPECT_EQ(*parse_size("16MiB"), 16u << 20);
  EXPECT_EQ(*parse_size("1.5 GiB"), 3ull << 29);
  EXPECT_EQ(*parse_size("2T"), 2ull << 40);
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("MiB"));
  EXPECT_FALSE(parse_size("8 parsecs"));
  EXPECT_FALSE(parse_size("99999999999999999999"));
  EXPECT_FALSE(parse_size("99999999999TiB"));
  EXPECT_FALSE(parse_size("1.2.3M"));
}

TEST(Numbers, TruncateToIntegerRefusesWhatDoesNotFit) {
  EXPECT_EQ(truncate_to_integer(-2.9), -2);
  EXPECT_EQ(truncate_to_integer(9.2e18), 9200000000000000000LL);
  EXPECT_EQ(truncate_to_integer(-9223372036854775808.0), std::numeric_limits<long long>::min());
  EXPECT_FALSE(truncate_to_integer(9223372036854775808.0));
  EXPECT_FALSE(truncate_to_integer(5.5e99));
  EXPECT_FALSE(truncate_to_integer(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_FALSE(truncate_to_integer(-std::numeric_limits<double>::infinity()));
}

TEST(Numbers, ErrorsQuoteTheValueSafely) {
  std::string shown = parse_int("\xe9\x01").error();
  EXPECT_EQ(dump_json(nlohmann::json(shown)).find("\\u0001"), std::string::npos);
  EXPECT_EQ(parse_int(std::string(100, '7') + "x").error().size() < 80, true);
}

TEST(Json, InvalidUtf8IsReplacedNotThrown) {
  nlohmann::json j = {{"name", "r\xe9quests"}};
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);
  EXPECT_EQ(dump_json(j), "{\"name\":\"r\xEF\xBF\xBDquests\"}");
  nlohmann::ordered_json o = {{"b", "\xff"}, {"a", 1}};
  EXPECT_EQ(dump_json(o), "{\"b\":\"\xEF\xBF\xBD\",\"a\":1}");
  EXPECT_EQ(nlohmann::json::parse(dump_json(j, 2))["name"], "r\xEF\xBF\xBDquests");
}

}  // namespace pw
