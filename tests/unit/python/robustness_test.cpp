// Bad input must come back as an error, never a crash or an exception: random bytes and
// mutated near-valid text through every parser (run under PW_SANITIZE=ON to catch UB).
#include <gtest/gtest.h>

#include <random>

#include "python/lock_check.h"
#include "python/requirement.h"
#include "python/requirements_file.h"
#include "python/shlex.h"

namespace pw::python {
namespace {

std::string random_text(std::mt19937& rng, size_t max_len, std::string_view alphabet) {
  std::uniform_int_distribution<size_t> len(0, max_len);
  std::uniform_int_distribution<size_t> ch(0, alphabet.size() - 1);
  std::string s(len(rng), ' ');
  for (auto& c : s) c = alphabet[ch(rng)];
  return s;
}

TEST(Robustness, ParsersNeverThrowOnGarbage) {
  std::mt19937 rng(7);
  const std::string pep508_chars = "abcXYZ019 ._-=<>!~*+@;,()[]'\"\\/:#$\t{}vrcpostdevandorinnot";
  std::string bytes;
  for (int c = 0; c < 256; ++c) bytes += static_cast<char>(c);
  for (int i = 0; i < 20000; ++i) {
    std::string s = random_text(rng, 40, i % 4 == 0 ? std::string_view(bytes) : pep508_chars);
    EXPECT_NO_THROW({
      (void)Version::parse(s);
      (void)Specifier::parse(s);
      (void)SpecifierSet::parse(s);
      (void)Marker::parse(s);
      (void)parse_requirement(s);
      (void)shlex_split(s);
    }) << s;
  }
}

TEST(Robustness, RequirementsTextNeverThrows) {
  std::mt19937 rng(11);
  const std::string chars = "abc019 ._-=<>!~*+@;,()[]'\"\\/:#$\n\r\t{}-erci";
  ReadOptions opts;
  opts.follow_includes = false;
  opts.getenv = [](std::string_view) -> std::optional<std::string> { return "x"; };
  for (int i = 0; i < 3000; ++i) {
    std::string text = random_text(rng, 300, chars);
    EXPECT_NO_THROW({
      auto f = parse_requirements_text(text, "fuzz.txt", opts);
      (void)check_lock(f);
    }) << text;
  }
}

TEST(Robustness, HugeNumbersAreErrors) {
  EXPECT_FALSE(Version::parse("1." + std::string(400, '9')).ok());
  EXPECT_FALSE(Specifier::parse("==" + std::string(30, '9')).ok());
  EXPECT_FALSE(
      Marker::parse(std::string(5000, '(') + "os_name == 'x'" + std::string(5000, ')')).ok());
}

}  // namespace
}  // namespace pw::python
