#include "exec/masker.h"

#include <gtest/gtest.h>

#include <memory>

namespace pw::exec {

TEST(Masker, MasksEveryOccurrence) {
  Masker m;
  m.add_secret("s3cret");
  EXPECT_EQ(m.mask("a s3cret and s3cret."), "a **** and ****.");
  EXPECT_EQ(m.mask("nothing here"), "nothing here");
}

TEST(Masker, ShortValuesAreNotMasked) {
  Masker m;
  m.add_secret("ci");
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.mask("specification"), "specification");
}

TEST(Masker, LongerSecretWinsOverItsPrefix) {
  Masker m;
  m.add_secret("abc");
  m.add_secret("abcdef");
  EXPECT_EQ(m.mask("xabcdefy abc"), "x****y ****");
}

TEST(MaskingStream, SecretSplitAcrossChunksIsMasked) {
  auto m = std::make_shared<Masker>();
  m->add_secret("hunter22");
  // Every split point of the secret across two reads.
  for (size_t cut = 1; cut < 8; ++cut) {
    MaskingStream s(m);
    std::string text = "pw=hunter22!";
    std::string out = s.feed(text.substr(0, 3 + cut));
    out += s.feed(text.substr(3 + cut));
    out += s.finish();
    EXPECT_EQ(out, "pw=****!") << "cut at " << cut;
  }
}

TEST(MaskingStream, SplitAcrossManyOneByteReads) {
  auto m = std::make_shared<Masker>();
  m->add_secret("topsecret");
  MaskingStream s(m);
  std::string text = "a topsecret b topsecre";
  std::string out;
  for (char c : text) out += s.feed(std::string_view(&c, 1));
  out += s.finish();
  EXPECT_EQ(out, "a **** b topsecre");
}

TEST(MaskingStream, HoldsBackOnlyAPossiblePrefix) {
  auto m = std::make_shared<Masker>();
  m->add_secret("secret");
  MaskingStream s(m);
  EXPECT_EQ(s.feed("hello sec"), "hello ");
  EXPECT_EQ(s.feed("ond"), "second");
}

}  // namespace pw::exec
