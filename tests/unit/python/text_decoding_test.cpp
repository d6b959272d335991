// Requirements files' bytes decoded as pip decodes them (pip's req_file._decode_req_file).
#include "python/text_decoding.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "python/requirements_file.h"

namespace pw::python {

TEST(TextDecoding, Utf8AndByteOrderMarks) {
  auto plain = decode_requirements_bytes("requests==2.31.0\n", "utf-8");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->utf8, "requests==2.31.0\n");
  EXPECT_EQ(plain->encoding, "utf-8");
  auto bom = decode_requirements_bytes("\xEF\xBB\xBFrequests==1\n", "utf-8");
  ASSERT_TRUE(bom);
  EXPECT_EQ(bom->utf8, "requests==1\n");
  auto utf16 = decode_requirements_bytes(std::string("\xFF\xFEx\0=\0=\0"
                                                     "1\0",
                                                     10),
                                         "utf-8");
  ASSERT_TRUE(utf16) << utf16.error();
  EXPECT_EQ(utf16->utf8, "x==1");
  auto utf32 = decode_requirements_bytes(std::string("\xFF\xFE\0\0x\0\0\0", 8), "utf-8");
  ASSERT_TRUE(utf32) << utf32.error();
  EXPECT_EQ(utf32->utf8, "x");  // UTF-32 LE, not UTF-16 LE: pip checks it first
}

TEST(TextDecoding, CodingCommentOnTheFirstTwoLines) {
  auto l1 = decode_requirements_bytes("# -*- coding: latin-1 -*-\nr\xe9quests>=2\n", "utf-8");
  ASSERT_TRUE(l1) << l1.error();
  EXPECT_EQ(l1->utf8, "# -*- coding: latin-1 -*-\nr\xC3\xA9quests>=2\n");
  auto l2 = decode_requirements_bytes("#!x\n# vim: set fileencoding=cp1252 :\n\x80\n", "utf-8");
  ASSERT_TRUE(l2) << l2.error();
  EXPECT_EQ(l2->utf8.substr(l2->utf8.size() - 4), "\xE2\x82\xAC\n");  // the euro sign
  // On the third line it does not count (and the file is then refused in a UTF-8 locale).
  EXPECT_FALSE(decode_requirements_bytes("\n\n# coding: latin-1\n\xe9\n", "utf-8"));
  auto unknown = decode_requirements_bytes("# coding: klingon-8\nx\n", "utf-8");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("unknown encoding 'klingon-8'"), std::string::npos);
}

TEST(TextDecoding, LocaleFallbackAsPipDoes) {
  auto latin = decode_requirements_bytes("r\xe9quests>=2\n", "iso8859-1");
  ASSERT_TRUE(latin);
  EXPECT_EQ(latin->utf8, "r\xC3\xA9quests>=2\n");
  EXPECT_NE(latin->warning.find("not UTF-8 (byte 0xE9)"), std::string::npos);
  auto refused = decode_requirements_bytes("ok==1\nr\xe9quests>=2\n", "utf-8");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.failure().offset, 7u);
  EXPECT_NE(refused.error().find("pip would refuse it"), std::string::npos);
  // Overlong and surrogate encodings are not UTF-8 for Python either.
  EXPECT_FALSE(decode_requirements_bytes("\xC0\xAF", "utf-8"));
  EXPECT_FALSE(decode_requirements_bytes("\xED\xA0\x80", "utf-8"));
  EXPECT_TRUE(decode_requirements_bytes("\xF0\x9F\x98\x80", "utf-8"));
}

TEST(TextDecoding, ARefusedFileIsADiagnosticAtItsLine) {
  char dir[] = "/tmp/pw-decoding-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/requirements-dev.txt";
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fputs("pytest==8.0.0\nr\xe9quests>=2\n", f);
  std::fclose(f);
  ReadOptions opt;
  opt.locale_encoding = "utf-8";
  auto refused = read_requirements_file(path, opt);
  ASSERT_EQ(refused.diagnostics.size(), 1u);
  EXPECT_EQ(refused.diagnostics[0].line, 2);
  EXPECT_EQ(refused.diagnostics[0].col, 2);
  opt.locale_encoding = "iso8859-1";
  auto read = read_requirements_file(path, opt);
  EXPECT_EQ(read.warnings.size(), 1u);
  ASSERT_FALSE(read.requirements.empty());
  ASSERT_TRUE(read.requirements[0].requirement);
  EXPECT_EQ(read.requirements[0].requirement->name, "pytest");
  std::remove(path.c_str());
  ::rmdir(dir);
}

}  // namespace pw::python
