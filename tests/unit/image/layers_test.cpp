// Whiteouts, safe paths and in-image symlinks, on hand-built layer changes.
#include "image/layers.h"

#include <gtest/gtest.h>

namespace pw::image {
namespace {

KeptFile file(std::string content, size_t layer = 0) {
  KeptFile f;
  f.content = std::move(content);
  f.layer = layer;
  return f;
}
KeptFile link(std::string target) {
  KeptFile f;
  f.kind = EntryKind::symlink;
  f.link_target = std::move(target);
  return f;
}

TEST(CleanEntryPath, DropsDotsAndSlashesAndRefusesTraversal) {
  EXPECT_EQ(clean_entry_path("./etc/os-release"), "etc/os-release");
  EXPECT_EQ(clean_entry_path("/etc//./os-release"), "etc/os-release");
  EXPECT_EQ(clean_entry_path("usr/lib/"), "usr/lib");
  EXPECT_EQ(clean_entry_path("../etc/passwd"), std::nullopt);
  EXPECT_EQ(clean_entry_path("usr/../../etc/passwd"), std::nullopt);
  EXPECT_EQ(clean_entry_path("usr/lib/.."), std::nullopt);  // never resolved, even inside
  EXPECT_EQ(clean_entry_path("./"), std::nullopt);
  EXPECT_EQ(clean_entry_path(""), std::nullopt);
  EXPECT_EQ(clean_entry_path("a/..b/c"), "a/..b/c");  // a name that starts with dots is fine
}

TEST(Whiteouts, Classified) {
  auto w = classify_whiteout("usr/lib/python3/dist-packages/.wh.bar-2.0.dist-info");
  EXPECT_EQ(w.kind, Whiteout::remove);
  EXPECT_EQ(w.target, "usr/lib/python3/dist-packages/bar-2.0.dist-info");
  w = classify_whiteout("var/lib/dpkg/.wh..wh..opq");
  EXPECT_EQ(w.kind, Whiteout::opaque);
  EXPECT_EQ(w.target, "var/lib/dpkg");
  w = classify_whiteout(".wh..wh..opq");
  EXPECT_EQ(w.kind, Whiteout::opaque);
  EXPECT_EQ(w.target, "");
  EXPECT_EQ(classify_whiteout(".wh.etc").target, "etc");
  EXPECT_EQ(classify_whiteout("etc/what.wh.not").kind, Whiteout::none);
  EXPECT_EQ(classify_whiteout("etc/.wh.").kind, Whiteout::none);
}

TEST(LayeredFiles, WhiteoutRemovesFileAndEverythingUnderIt) {
  LayeredFiles fs;
  LayerChanges base;
  base.kept["sp/foo-1.0.dist-info/METADATA"] = file("foo");
  base.kept["sp/bar-2.0.dist-info/METADATA"] = file("bar");
  base.kept["sp/bar-2.0.dist-info-extra/METADATA"] = file("not under bar-2.0.dist-info");
  base.kept["etc/os-release"] = file("ID=debian");
  fs.apply(base);
  LayerChanges upper;
  upper.removed = {"sp/bar-2.0.dist-info", "etc/os-release"};
  fs.apply(upper);
  EXPECT_NE(fs.find("sp/foo-1.0.dist-info/METADATA"), nullptr);
  EXPECT_EQ(fs.find("sp/bar-2.0.dist-info/METADATA"), nullptr);
  EXPECT_NE(fs.find("sp/bar-2.0.dist-info-extra/METADATA"), nullptr);
  EXPECT_EQ(fs.find("etc/os-release"), nullptr);
}

TEST(LayeredFiles, OpaqueFolderHidesLowerLayersOnly) {
  LayeredFiles fs;
  LayerChanges base;
  base.kept["sp/foo-1.0.dist-info/METADATA"] = file("foo 1.0");
  base.kept["sp/bar-2.0.dist-info/METADATA"] = file("bar");
  base.kept["other/keep"] = file("kept");
  fs.apply(base);
  LayerChanges upper;
  upper.opaque = {"sp"};
  // The same layer puts a new foo in the opaque folder: that one stays.
  upper.kept["sp/foo-1.1.dist-info/METADATA"] = file("foo 1.1", 1);
  fs.apply(upper);
  EXPECT_EQ(fs.find("sp/foo-1.0.dist-info/METADATA"), nullptr);
  EXPECT_EQ(fs.find("sp/bar-2.0.dist-info/METADATA"), nullptr);
  ASSERT_NE(fs.find("sp/foo-1.1.dist-info/METADATA"), nullptr);
  EXPECT_EQ(fs.find("sp/foo-1.1.dist-info/METADATA")->layer, 1u);
  EXPECT_NE(fs.find("other/keep"), nullptr);
}

TEST(LayeredFiles, UpperFileReplacesLowerAndFileReplacesFolder) {
  LayeredFiles fs;
  LayerChanges base;
  base.kept["var/lib/dpkg/status"] = file("old");
  base.kept["opt/sp/x.dist-info/METADATA"] = file("x");
  fs.apply(base);
  LayerChanges upper;
  upper.kept["var/lib/dpkg/status"] = file("new", 1);
  upper.non_directories = {"var/lib/dpkg/status", "opt/sp"};  // opt/sp is now a symlink
  fs.apply(upper);
  EXPECT_EQ(fs.find("var/lib/dpkg/status")->content, "new");
  EXPECT_EQ(fs.find("opt/sp/x.dist-info/METADATA"), nullptr);
}

TEST(LayeredFiles, RootOpaqueClearsEverything) {
  LayeredFiles fs;
  LayerChanges base;
  base.kept["a/b"] = file("x");
  fs.apply(base);
  LayerChanges upper;
  upper.opaque = {""};
  fs.apply(upper);
  EXPECT_TRUE(fs.files().empty());
}

TEST(LayeredFiles, SymlinksResolveInsideTheImageOnly) {
  LayeredFiles fs;
  LayerChanges l;
  l.kept["usr/lib/os-release"] = file("ID=debian");
  l.kept["etc/os-release"] = link("../usr/lib/os-release");
  l.kept["etc/abs"] = link("/usr/lib/os-release");
  l.kept["etc/escape"] = link("../../../../../usr/lib/os-release");  // `..` stops at the root
  l.kept["etc/loop1"] = link("loop2");
  l.kept["etc/loop2"] = link("loop1");
  l.kept["etc/outside"] = link("/etc/passwd");  // the host's is never read: not in the image
  fs.apply(l);
  ASSERT_NE(fs.resolve("etc/os-release"), nullptr);
  EXPECT_EQ(fs.resolve("etc/os-release")->content, "ID=debian");
  EXPECT_EQ(fs.resolve("etc/abs"), fs.resolve("usr/lib/os-release"));
  EXPECT_EQ(fs.resolve("etc/escape"), fs.resolve("usr/lib/os-release"));
  EXPECT_EQ(fs.resolve("etc/loop1"), nullptr);
  EXPECT_EQ(fs.resolve("etc/outside"), nullptr);
  EXPECT_EQ(resolve_link_target("etc/x", "/../../a/./b"), "a/b");
  EXPECT_EQ(resolve_link_target("a/b/c", "../d"), "a/d");
}

}  // namespace
}  // namespace pw::image
