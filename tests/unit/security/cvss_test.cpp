// CVSS v3 base scores against FIRST's published examples and the rejection of bad vectors.
#include "security/cvss.h"

#include <gtest/gtest.h>

namespace pw::security {
namespace {

double score(const char* v) {
  auto r = parse_cvss_v3(v);
  EXPECT_TRUE(r.ok()) << v << ": " << r.error();
  return r.ok() ? r->base_score : -1;
}

TEST(Cvss, PublishedExamples) {
  EXPECT_DOUBLE_EQ(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8);
  EXPECT_DOUBLE_EQ(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), 10.0);
  EXPECT_DOUBLE_EQ(score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"), 5.5);
  EXPECT_DOUBLE_EQ(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), 6.1);
  EXPECT_DOUBLE_EQ(score("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"), 5.9);
  EXPECT_DOUBLE_EQ(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"), 7.5);
  EXPECT_DOUBLE_EQ(score("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"), 8.8);
  EXPECT_DOUBLE_EQ(score("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"), 7.8);
  EXPECT_DOUBLE_EQ(score("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"), 1.6);
  EXPECT_DOUBLE_EQ(score("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"), 5.4);  // stored XSS
  EXPECT_DOUBLE_EQ(score("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:L/I:L/A:N"), 5.5);  // 5.414 rounds up
  EXPECT_DOUBLE_EQ(score("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"), 0.0);
  // Changed scope with PR:L uses 0.68, not 0.62.
  EXPECT_DOUBLE_EQ(score("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H"), 9.9);
}

TEST(Cvss, AnyOrderAndOptionalMetrics) {
  EXPECT_DOUBLE_EQ(score("CVSS:3.1/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H"), 9.8);
  EXPECT_DOUBLE_EQ(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C"), 9.8);
}

TEST(Cvss, Ratings) {
  EXPECT_EQ(rating_for_score(0.0), Rating::none);
  EXPECT_EQ(rating_for_score(0.1), Rating::low);
  EXPECT_EQ(rating_for_score(3.9), Rating::low);
  EXPECT_EQ(rating_for_score(4.0), Rating::medium);
  EXPECT_EQ(rating_for_score(6.9), Rating::medium);
  EXPECT_EQ(rating_for_score(7.0), Rating::high);
  EXPECT_EQ(rating_for_score(8.9), Rating::high);
  EXPECT_EQ(rating_for_score(9.0), Rating::critical);
  EXPECT_EQ(rating_from_word("moderate"), Rating::medium);
  EXPECT_EQ(rating_from_word("bogus"), Rating::unknown);
}

TEST(Cvss, InvalidVectorsRejectedWithAReason) {
  for (const char* bad : {"AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",                // no prefix
                          "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P",                // not v3
                          "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",           // A missing
                          "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",       // bad value
                          "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  // twice
                          "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:Q",  // unknown
                          "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:HH", "CVSS:3.1/"}) {
    auto r = parse_cvss_v3(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_FALSE(r.error().empty());
    }
  }
}

TEST(Cvss, AdvisorySeverityPrefersV3ThenDatabase) {
  auto s = advisory_severity({{"CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}, "LOW");
  EXPECT_EQ(s.rating, Rating::critical);
  ASSERT_TRUE(s.score);
  EXPECT_DOUBLE_EQ(*s.score, 9.8);
  s = advisory_severity(
      {{"CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}}, "MODERATE");
  EXPECT_EQ(s.rating, Rating::medium);
  EXPECT_FALSE(s.score);
  EXPECT_EQ(s.vector_type, "CVSS_V4");  // kept as given, not scored
  s = advisory_severity({{"CVSS_V3", "CVSS:3.1/garbage"}}, "");
  EXPECT_EQ(s.rating, Rating::unknown);
}

}  // namespace
}  // namespace pw::security
