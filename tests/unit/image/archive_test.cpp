// Whole images, hand-made as `docker save` and OCI archives: the inventory after whiteouts, and
// bad input (truncated, not an image, missing layer, corrupt layer, traversal) as clear errors.
#include "image/archive.h"

#include <gtest/gtest.h>

#include "image/inventory.h"
#include "support.h"

namespace pw::image {
namespace {

using namespace testing;  // NOLINT: the hand-made archive helpers

const char* kOsRelease =
    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n"
    "VERSION_CODENAME=bookworm\n";
const char* kSp = "usr/lib/python3/dist-packages/";

std::string stanza(const std::string& name, const std::string& version,
                   const std::string& src = "") {
  return "Package: " + name + "\nStatus: install ok installed\nArchitecture: amd64\n" +
         (src.empty() ? "" : "Source: " + src + "\n") + "Version: " + version + "\n\n";
}

std::string metadata(const std::string& name, const std::string& version) {
  return "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n\nlong text\n";
}

// Three layers: a base, one that removes a package (status rewritten, dist-info whited out,
// a folder made opaque), one that adds a venv.
std::vector<std::vector<Entry>> three_layers() {
  std::string sp = kSp;
  return {
      {D("./"), D("./etc"), F("./usr/lib/os-release", kOsRelease),
       L("./etc/os-release", "../usr/lib/os-release"), F("./etc/debian_version", "12.8\n"),
       F("./var/lib/dpkg/status",
         stanza("libssl3", "3.0.11-1~deb12u2", "openssl") + stanza("openssl", "3.0.11-1~deb12u2") +
             stanza("python3-pip", "23.0.1+dfsg-1") + stanza("bash", "5.2.15-2+b2")),
       F(sp + "pip-23.0.1.dist-info/METADATA", metadata("pip", "23.0.1")),
       F(sp + "wheel-0.38.4.dist-info/METADATA", metadata("wheel", "0.38.4")),
       F(sp + "setuptools-66.1.1.egg-info/PKG-INFO", metadata("setuptools", "66.1.1")),
       F("usr/local/lib/python3.11/dist-packages/gone-1.0.dist-info/METADATA",
         metadata("gone", "1.0")),
       Dev("./dev/null"), F("./usr/bin/big", std::string(300000, 'x'))},
      {// apt-get purge python3-pip: dpkg rewrites its status, the files are whited out.
       F("var/lib/dpkg/status", stanza("libssl3", "3.0.15-1~deb12u1", "openssl") +
                                    stanza("openssl", "3.0.15-1~deb12u1") +
                                    stanza("bash", "5.2.15-2+b2")),
       F(sp + ".wh.pip-23.0.1.dist-info", ""),
       F("usr/local/lib/python3.11/dist-packages/.wh..wh..opq", "")},
      {F("app/.venv/lib/python3.11/site-packages/flask-3.0.0.dist-info/METADATA",
         metadata("Flask", "3.0.0")),
       H("app/.venv/lib/python3.11/site-packages/Flask-3.0.0.egg-info",
         "app/.venv/lib/python3.11/site-packages/flask-3.0.0.dist-info/METADATA")},
  };
}

void expect_three_layer_inventory(const ImageInventory& inv) {
  EXPECT_EQ(inv.layers, 3u);
  ASSERT_TRUE(inv.os_found);
  EXPECT_EQ(inv.os.id, "debian");
  EXPECT_EQ(inv.os.version_id, "12");
  EXPECT_EQ(inv.os.codename, "bookworm");
  EXPECT_EQ(inv.debian_version, "12.8");
  ASSERT_EQ(inv.debs.size(), 3u);  // the upper status file wins: python3-pip is gone
  EXPECT_EQ(inv.debs[0].name, "bash");
  EXPECT_EQ(inv.debs[1].name, "libssl3");
  EXPECT_EQ(inv.debs[1].version, "3.0.15-1~deb12u1");
  EXPECT_EQ(inv.debs[1].source, "openssl");
  std::vector<std::string> py;
  for (const auto& p : inv.python) py.push_back(p.name + " " + p.version);
  // pip whited out, gone hidden by the opaque folder, Flask twice (dist-info and its hard link).
  EXPECT_EQ(py, (std::vector<std::string>{"Flask 3.0.0", "Flask 3.0.0", "setuptools 66.1.1",
                                          "wheel 0.38.4"}));
  EXPECT_EQ(inv.python[2].path, std::string(kSp) + "setuptools-66.1.1.egg-info/PKG-INFO");
}

TEST(ImageArchive, DockerSaveLayersWithWhiteouts) {
  TempDir t;
  write_bytes(t / "image.tar", docker_archive(three_layers()));
  ImageArchive a(t / "image.tar");
  EXPECT_EQ(a.manifest().format, "docker-archive");
  EXPECT_EQ(a.manifest().repo_tags, std::vector<std::string>{"localhost/test:1"});
  ASSERT_EQ(a.manifest().layers.size(), 3u);
  EXPECT_TRUE(a.manifest().layers[0].diff_id.starts_with("sha256:"));
  EXPECT_EQ(a.manifest().config["architecture"], "amd64");
  auto inv = read_inventory(t / "image.tar");
  expect_three_layer_inventory(inv);
  EXPECT_TRUE(inv.warnings.empty()) << inv.warnings.front().str();
}

TEST(ImageArchive, CompressedArchiveIsStreamedWithTheSameResult) {
  // `docker save | gzip`: layers cannot be read in place, so they are streamed from the outer
  // archive instead (the other path of read_layer).
  TempDir t;
  write_bytes(t / "image.tar.gz",
              docker_archive(three_layers(), "localhost/test:1", /*gzip_outer=*/true));
  auto inv = read_inventory(t / "image.tar.gz");
  expect_three_layer_inventory(inv);
}

TEST(ImageArchive, OciArchiveWithGzipLayers) {
  TempDir t;
  write_bytes(t / "oci.tar", oci_archive(three_layers()));
  auto inv = read_inventory(t / "oci.tar");
  EXPECT_EQ(inv.manifest.format, "oci-archive");
  EXPECT_EQ(inv.manifest.repo_tags, std::vector<std::string>{"localhost/test:oci"});
  expect_three_layer_inventory(inv);
}

TEST(ImageArchive, OnlyWantedEntriesAreRead) {
  TempDir t;
  write_bytes(t / "image.tar", docker_archive(three_layers()));
  ImageArchive a(t / "image.tar");
  size_t read = 0, seen = 0;
  std::vector<Diagnostic> w;
  a.read_layer(
      0, wanted_bytes,
      [&](const EntryInfo& e, std::string&& content) {
        ++seen;
        read += content.size();
        if (e.path == "usr/bin/big") EXPECT_TRUE(content.empty());
        if (e.path == "dev/null") EXPECT_EQ(e.kind, EntryKind::other);
      },
      w);
  EXPECT_EQ(seen, 11u);    // all but the root folder itself
  EXPECT_LT(read, 2000u);  // os-release, status and metadata, not the 300 kB binary
}

TEST(ImageArchive, TraversalAndOutsideLinksAreIgnoredNotFollowed) {
  TempDir t;
  write_bytes(
      t / "evil.tar",
      docker_archive(
          {{F("../../../../tmp/pw-evil", "x"), F("var/lib/dpkg/../../../etc/passwd", "x"),
            L("etc/os-release", "/../../../../etc/os-release"),
            H("var/lib/dpkg/status", "../../../etc/shadow"),
            F("usr/lib/python3/dist-packages/a-1.dist-info/METADATA", metadata("a", "1"))}}));
  auto inv = read_inventory(t / "evil.tar");
  EXPECT_FALSE(inv.os_found);  // the link resolves inside the image, where nothing is
  EXPECT_TRUE(inv.debs.empty());
  ASSERT_EQ(inv.python.size(), 1u);
  std::string all;
  for (const auto& w : inv.warnings) all += w.str() + "\n";
  EXPECT_NE(all.find("'../../../../tmp/pw-evil' leaves the image"), std::string::npos) << all;
  EXPECT_NE(all.find("var/lib/dpkg/../../../etc/passwd"), std::string::npos) << all;
  EXPECT_NE(all.find("points outside the image"), std::string::npos) << all;
  EXPECT_FALSE(std::filesystem::exists("/tmp/pw-evil"));
}

TEST(ImageArchive, BadInputIsAClearError) {
  TempDir t;
  auto error_of = [&](const fs::path& p) {
    try {
      read_inventory(p);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string good = docker_archive(three_layers());
  write_bytes(t / "truncated.tar", good.substr(0, good.size() / 2));
  EXPECT_NE(error_of(t / "truncated.tar").find("truncated"), std::string::npos)
      << error_of(t / "truncated.tar");
  write_bytes(t / "text.tar", "this is not a tar archive at all\n");
  EXPECT_NE(error_of(t / "text.tar").find("is not a tar archive"), std::string::npos)
      << error_of(t / "text.tar");
  write_bytes(t / "plain.tar", make_tar({F("hello.txt", "hi")}));
  EXPECT_NE(error_of(t / "plain.tar").find("neither manifest.json"), std::string::npos);
  write_bytes(t / "missing.tar",
              make_tar({F("manifest.json", R"([{"Config":"c.json","Layers":["nope.tar"]}])"),
                        F("c.json", "{}")}));
  EXPECT_NE(
      error_of(t / "missing.tar").find("layer 1 (nope.tar): the archive does not hold nope.tar"),
      std::string::npos)
      << error_of(t / "missing.tar");
  write_bytes(
      t / "escape.tar",
      make_tar({F("manifest.json", R"([{"Config":"c.json","Layers":["../../etc/passwd"]}])"),
                F("c.json", "{}")}));
  EXPECT_NE(error_of(t / "escape.tar").find("leaves the archive"), std::string::npos)
      << error_of(t / "escape.tar");
  std::string layer =
      make_tar({F("var/lib/dpkg/status", stanza("a", "1")), F("x", std::string(50000, 'y'))});
  write_bytes(t / "corrupt.tar",
              make_tar({F("l.tar", layer.substr(0, 20000)), F("c.json", "{}"),
                        F("manifest.json", R"([{"Config":"c.json","Layers":["l.tar"]}])")}));
  EXPECT_NE(error_of(t / "corrupt.tar").find("layer 1 (l.tar)"), std::string::npos)
      << error_of(t / "corrupt.tar");
  write_bytes(t / "badjson.tar", make_tar({F("manifest.json", "[{")}));
  EXPECT_NE(error_of(t / "badjson.tar").find("not valid JSON"), std::string::npos);
  write_bytes(t / "oci-bad.tar",
              make_tar({F("index.json", R"({"manifests":[{"digest":"sha256:../../x"}]})")}));
  EXPECT_NE(error_of(t / "oci-bad.tar").find("not a valid digest"), std::string::npos)
      << error_of(t / "oci-bad.tar");
  EXPECT_NE(error_of(t / "nope.tar").find("no such file"), std::string::npos);
}

TEST(ImageArchive, OciLayoutFolder) {
  TempDir t;
  // Unpack the OCI archive into a folder with the same writer: the layout as a directory.
  std::string tar = oci_archive(three_layers());
  struct archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  archive_read_open_memory(a, tar.data(), tar.size());
  struct archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string data(static_cast<size_t>(archive_entry_size(e)), '\0');
    archive_read_data(a, data.data(), data.size());
    write_bytes(t / "layout" / archive_entry_pathname(e), data);
  }
  archive_read_free(a);
  auto inv = read_inventory(t / "layout");
  EXPECT_EQ(inv.manifest.format, "oci-layout");
  expect_three_layer_inventory(inv);
}

}  // namespace
}  // namespace pw::image
