// The URL helpers the lock check relies on, and shlex.split as pip applies it to options.
#include <gtest/gtest.h>

#include "python/shlex.h"
#include "python/url.h"

namespace pw::python {
namespace {

TEST(Url, PipIsUrl) {
  EXPECT_TRUE(is_pip_url("https://host/x.whl"));
  EXPECT_TRUE(is_pip_url("HTTP://host/x.whl"));
  EXPECT_TRUE(is_pip_url("file:///x"));
  EXPECT_TRUE(is_pip_url("git+https://host/repo"));
  EXPECT_TRUE(is_pip_url("hg+static-http://host/repo"));
  EXPECT_TRUE(is_pip_url("bzr+lp:project"));
  EXPECT_FALSE(is_pip_url("git://host/repo"));  // pip's list has git+git, not git
  EXPECT_FALSE(is_pip_url("requests"));
  EXPECT_FALSE(is_pip_url("pkg @ https://host/x"));  // scheme would be "pkg @ https"
  EXPECT_FALSE(is_pip_url("C:\\path"));
}

TEST(Url, VcsRevisions) {
  EXPECT_EQ(vcs_of("git+https://h/r.git"), "git");
  EXPECT_EQ(vcs_of("hg+ssh://h/r"), "hg");
  EXPECT_EQ(vcs_of("https://h/r"), "");
  EXPECT_EQ(vcs_revision("git+https://github.com/o/r.git@v1.2#egg=r"), "v1.2");
  EXPECT_EQ(vcs_revision("git+ssh://git@github.com/o/r.git@abc?x=1#egg=r"), "abc");
  EXPECT_EQ(vcs_revision("git+ssh://git@github.com/o/r.git#egg=r"), "");
  EXPECT_EQ(vcs_revision("git+https://h/r.git"), "");
  EXPECT_TRUE(is_commit_id("0123456789abcdef0123456789abcdef01234567"));
  EXPECT_TRUE(is_commit_id(std::string(64, 'a')));
  EXPECT_FALSE(is_commit_id("0123456"));
  EXPECT_FALSE(is_commit_id("main"));
  EXPECT_FALSE(is_commit_id("0123456789abcdef0123456789abcdef0123456g"));
}

TEST(Url, Fragments) {
  EXPECT_EQ(egg_fragment("git+https://h/r.git#egg=pkg&subdirectory=x"), "pkg");
  EXPECT_EQ(egg_fragment("git+https://h/r.git#subdirectory=x&egg=pkg"), "pkg");
  EXPECT_EQ(egg_fragment("https://h/legg=x"), "");
  auto h = hash_fragment("https://h/p-1.0.tar.gz#sha256=abcd");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->algorithm, "sha256");
  EXPECT_EQ(h->digest, "abcd");
  EXPECT_EQ(hash_fragment("https://h/p.tar.gz#md5=12&egg=p")->algorithm, "md5");
  EXPECT_FALSE(hash_fragment("https://h/sha256=abc"));
}

TEST(Url, FilesAndWheels) {
  EXPECT_EQ(url_filename("https://h/a/b/pkg-1.0.tar.gz?x#y"), "pkg-1.0.tar.gz");
  EXPECT_TRUE(is_archive_file("pkg-1.0.tar.gz"));
  EXPECT_TRUE(is_archive_file("dist/pkg-1.0-py3-none-any.WHL"));
  EXPECT_TRUE(is_archive_file("x.tar.lzma"));
  EXPECT_FALSE(is_archive_file("requests"));
  EXPECT_FALSE(is_archive_file("./.whl"));
  auto w = parse_wheel_filename("foo_bar-1.2.3-py3-none-any.whl");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->name, "foo-bar");
  EXPECT_EQ(w->version, "1.2.3");
  EXPECT_TRUE(parse_wheel_filename("pkg-1.0-1build-cp311-cp311-manylinux_2_17_x86_64.whl"));
  EXPECT_FALSE(parse_wheel_filename("pkg-1.0.whl"));
  EXPECT_FALSE(parse_wheel_filename("pkg-1.0.tar.gz"));
}

TEST(Url, RedactsCredentials) {
  EXPECT_EQ(redact_url("https://user:s3cret@host/simple"), "https://user:****@host/simple");
  EXPECT_EQ(redact_url("https://tok3n@host/simple"), "https://****@host/simple");
  EXPECT_EQ(redact_url("git+ssh://git@github.com/o/r.git"), "git+ssh://git@github.com/o/r.git");
  EXPECT_EQ(redact_url("https://host/a@b"), "https://host/a@b");
  EXPECT_EQ(redact_url("not a url"), "not a url");
}

TEST(Shlex, SplitsLikePython) {
  using V = std::vector<std::string>;
  EXPECT_EQ(*shlex_split("a b  c"), (V{"a", "b", "c"}));
  EXPECT_EQ(*shlex_split("--hash=sha256:abc --hash sha256:def"),
            (V{"--hash=sha256:abc", "--hash", "sha256:def"}));
  EXPECT_EQ(*shlex_split("--global-option='--x y' \"a b\""), (V{"--global-option=--x y", "a b"}));
  EXPECT_EQ(*shlex_split("a\\ b"), (V{"a b"}));
  EXPECT_EQ(*shlex_split("\"a\\\"b\\\\c\\d\""), (V{"a\"b\\c\\d"}));
  EXPECT_EQ(*shlex_split("'a\\b'"), (V{"a\\b"}));
  EXPECT_EQ(*shlex_split("''"), (V{""}));
  EXPECT_EQ(*shlex_split("a#b #c"), (V{"a#b", "#c"}));  // shlex.split has no comments
  EXPECT_EQ(*shlex_split("  \t "), V{});
  EXPECT_FALSE(shlex_split("'open").ok());
  EXPECT_EQ(shlex_split("'open").error(), "No closing quotation");
  EXPECT_FALSE(shlex_split("trailing\\").ok());
  EXPECT_EQ(shlex_split("trailing\\").error(), "No escaped character");
}

}  // namespace
}  // namespace pw::python
