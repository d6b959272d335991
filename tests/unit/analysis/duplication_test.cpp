// Duplication on hand-made files: a 30-line block shared by two files is found with its line
// ranges, a near miss is not, and the token/line minimums hold at their boundaries.
#include "analysis/duplication.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "util/fs.h"

namespace pw::analysis {
namespace {

std::string fixture(const std::string& name) {
  return pw::read_file(std::filesystem::path(PW_FIXTURES) / "analysis" / "duplication" / name);
}

TEST(Duplication, ThirtyLineBlockAcrossFiles) {
  std::string a = fixture("a.py"), b = fixture("b.py"), near = fixture("near.py");
  auto ta = tokenize(a), tb = tokenize(b), tn = tokenize(near);
  auto r = find_duplication({{"a.py", &ta}, {"b.py", &tb}, {"near.py", &tn}});
  ASSERT_EQ(r.blocks.size(), 1u);
  const auto& blk = r.blocks[0];
  EXPECT_EQ(blk.first.file, "a.py");
  EXPECT_EQ(blk.second.file, "b.py");
  // Maximal: the def lines differ (and b.py's docstring sits between), so the block starts at the
  // first of the 30 shared lines and runs on through the `return` keyword of the next line.
  EXPECT_EQ(blk.first.start_line, 5);
  EXPECT_EQ(blk.first.end_line, 35);
  EXPECT_EQ(blk.second.start_line, 7);
  EXPECT_EQ(blk.second.end_line, 37);
  EXPECT_EQ(blk.lines, 31);
  EXPECT_GE(blk.tokens, 100);
  EXPECT_EQ(r.files[0].duplicated_lines.size(), 31u);
  EXPECT_EQ(r.files[1].duplicated_lines.size(), 31u);
  EXPECT_TRUE(r.files[2].duplicated_lines.empty());
  EXPECT_EQ(r.duplicated_blocks, 2);
  EXPECT_EQ(r.duplicated_files, 2);
  EXPECT_NEAR(r.files[0].density(), 100.0 * 31 / ta.lines, 1e-9);
}

TEST(Duplication, CommentsAndLayoutDoNotMatterNamesDo) {
  std::string x, y, z;
  for (int i = 0; i < 12; ++i) {
    x += "v" + std::to_string(i) + " = f(a, b, c, d)  # note\n";
    y += "# a comment line\nv" + std::to_string(i) + " = f(a,b,c,d)\n";
    z += "w" + std::to_string(i) + " = f(a, b, c, d)\n";
  }
  auto tx = tokenize(x), ty = tokenize(y), tz = tokenize(z);
  DuplicationOptions o{50, 10};
  auto r = find_duplication({{"x.py", &tx}, {"y.py", &ty}, {"z.py", &tz}}, o);
  ASSERT_EQ(r.blocks.size(), 1u);
  EXPECT_EQ(r.blocks[0].first.file, "x.py");
  EXPECT_EQ(r.blocks[0].second.file, "y.py");
  EXPECT_EQ(r.blocks[0].tokens, 12 * 12);
}

TEST(Duplication, MinimumTokensAndLinesBoundaries) {
  // Each line is 12 tokens ("vN = f ( a , b , c , d )"); 10 lines = 120 tokens.
  std::string x;
  for (int i = 0; i < 10; ++i) x += "v" + std::to_string(i) + " = f(a, b, c, d)\n";
  std::string y = "import q\n" + x;
  auto tx = tokenize(x), ty = tokenize(y);
  EXPECT_EQ(find_duplication({{"x", &tx}, {"y", &ty}}, {120, 10}).blocks.size(), 1u);
  EXPECT_EQ(find_duplication({{"x", &tx}, {"y", &ty}}, {121, 10}).blocks.size(), 0u);
  EXPECT_EQ(find_duplication({{"x", &tx}, {"y", &ty}}, {100, 11}).blocks.size(), 0u);
  // Same tokens on fewer lines: not a duplicate under the 10-line rule.
  std::string packed;
  for (int i = 0; i < 10; ++i) packed += "v" + std::to_string(i) + " = f(a, b, c, d); ";
  packed += "\n";
  std::string packed2 = "import q\n" + packed;
  auto tp = tokenize(packed), tp2 = tokenize(packed2);
  EXPECT_EQ(find_duplication({{"p", &tp}, {"q", &tp2}}, {100, 10}).blocks.size(), 0u);
}

TEST(Duplication, WithinOneFileWithoutOverlap) {
  std::string unit;
  for (int i = 0; i < 10; ++i) unit += "v" + std::to_string(i) + " = f(a, b, c, d)\n";
  std::string src = unit + "x = 1\n" + unit;
  auto t = tokenize(src);
  auto r = find_duplication({{"s.py", &t}});
  ASSERT_EQ(r.blocks.size(), 1u);
  EXPECT_EQ(r.blocks[0].first.start_line, 1);
  EXPECT_EQ(r.blocks[0].first.end_line, 10);
  EXPECT_EQ(r.blocks[0].second.start_line, 12);
  EXPECT_EQ(r.files[0].duplicated_lines.size(), 20u);
}

TEST(Duplication, HighlyRepetitiveCodeStaysBounded) {
  std::string src;
  for (int i = 0; i < 3000; ++i) src += "x = f(a, b)\n";
  auto t = tokenize(src);
  auto r = find_duplication({{"r.py", &t}});
  EXPECT_FALSE(r.blocks.empty());
  EXPECT_LE(r.files[0].duplicated_lines.size(), 3000u);
}

TEST(Duplication, EmptyInput) {
  auto r = find_duplication({});
  EXPECT_TRUE(r.blocks.empty());
  EXPECT_EQ(r.density(), 0.0);
}

}  // namespace
}  // namespace pw::analysis
