// The dpkg status, os-release and Python metadata parsers, odd input included.
#include <gtest/gtest.h>

#include "image/dpkg_status.h"
#include "image/os_release.h"
#include "image/python_packages.h"

namespace pw::image {
namespace {

TEST(DpkgStatus, InstalledPackagesWithSourceNamesAndVersions) {
  const char* text =
      "Package: libssl3\n"
      "Status: install ok installed\n"
      "Priority: optional\n"
      "Architecture: amd64\n"
      "Source: openssl\n"
      "Version: 3.0.15-1~deb12u1\n"
      "Description: Secure Sockets Layer toolkit - shared libraries\n"
      " This package is part of the OpenSSL project.\n"
      " .\n"
      "\n"
      "Package: libpython3.11-minimal\n"
      "Status: install ok installed\n"
      "Architecture: amd64\n"
      "Source: python3.11 (3.11.2-6+deb12u4)\n"
      "Version: 3.11.2-6+deb12u4\n"
      "\n"
      "Package: libgcc-s1\n"
      "Status: install ok installed\n"
      "Architecture: amd64\n"
      "Source: gcc-12 (12.2.0-14)\n"
      "Version: 12.2.0-14+deb12u1\n"
      "\n"
      "Package: removed-but-configured\n"
      "Status: deinstall ok config-files\n"
      "Version: 1.0-1\n"
      "\n"
      "Package: bash\n"
      "Status: install ok installed\n"
      "Version: 5.2.15-2+b7\n";
  auto st = parse_dpkg_status(text, "status");
  ASSERT_EQ(st.packages.size(), 4u);
  EXPECT_TRUE(st.warnings.empty());
  EXPECT_EQ(st.not_installed, 1u);
  EXPECT_EQ(st.packages[0].name, "libssl3");
  EXPECT_EQ(st.packages[0].source, "openssl");
  EXPECT_EQ(st.packages[0].source_version, "3.0.15-1~deb12u1");  // no version: the binary's
  EXPECT_EQ(st.packages[0].architecture, "amd64");
  EXPECT_EQ(st.packages[1].source, "python3.11");
  EXPECT_EQ(st.packages[2].source, "gcc-12");
  EXPECT_EQ(st.packages[2].version, "12.2.0-14+deb12u1");
  EXPECT_EQ(st.packages[2].source_version, "12.2.0-14");  // a binNMU-style difference
  EXPECT_EQ(st.packages[3].name, "bash");
  EXPECT_EQ(st.packages[3].source, "bash");  // no Source field: the package is its own source
}

TEST(DpkgStatus, OddStanzasAreSkippedWithTheirLine) {
  const char* text =
      "Package: noversion\r\n"
      "Status: install ok installed\r\n"
      "\r\n"
      "Status: install ok installed\n"
      "Version: 1.0\n"
      "\n"
      "\n"
      "\n"
      "Package: badstatus\n"
      "Status: installed\n"
      "Version: 1\n"
      "\n"
      "this line is not a field\n"
      "Package: ok\n"
      "Status: hold ok installed\n"
      "Source: ok-src (\n"
      "Version: 2:1.0\n"
      "\n"
      "Package: half\n"
      "Status: install reinstreq half-installed\n"
      "Version: 1\n";
  auto st = parse_dpkg_status(text, "status");
  ASSERT_EQ(st.packages.size(), 1u);
  EXPECT_EQ(st.packages[0].name, "ok");
  EXPECT_EQ(st.packages[0].source, "ok-src");
  EXPECT_EQ(st.packages[0].source_version, "2:1.0");
  EXPECT_EQ(st.not_installed, 1u);
  std::string all;
  for (const auto& w : st.warnings) all += w.str() + "\n";
  EXPECT_NE(all.find("status:1:"), std::string::npos) << all;  // noversion's stanza
  EXPECT_NE(all.find("noversion: no Version field"), std::string::npos) << all;
  EXPECT_NE(all.find("status:4: stanza without a Package field"), std::string::npos) << all;
  EXPECT_NE(all.find("badstatus: Status 'installed'"), std::string::npos) << all;
  EXPECT_NE(all.find("status:13: not a field line"), std::string::npos) << all;
  EXPECT_NE(all.find("no closing ')'"), std::string::npos) << all;
}

TEST(DpkgStatus, StatusDFilesNeedNoStatusField) {
  auto st = parse_dpkg_status("Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
                              "status.d/tzdata", /*require_status=*/false);
  ASSERT_EQ(st.packages.size(), 1u);
  EXPECT_EQ(st.packages[0].version, "2024a-0+deb12u1");
}

TEST(OsRelease, QuotedValuesAndComments) {
  auto os = parse_os_release(
      "# comment\n"
      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
      "NAME='Debian GNU/Linux'\n"
      "VERSION_ID=\"12\"\n"
      "VERSION_CODENAME=bookworm\n"
      "ID=debian\n"
      "HOME_URL=\"https://www.debian.org/\"\n"
      "ESCAPED=\"a \\\"quoted\\\" word\"\n"
      "not a line\n"
      "lower=ignored\n");
  EXPECT_EQ(os.id, "debian");
  EXPECT_EQ(os.version_id, "12");
  EXPECT_EQ(os.codename, "bookworm");
  EXPECT_EQ(os.pretty_name, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(os.fields["NAME"], "Debian GNU/Linux");
  EXPECT_EQ(os.fields["ESCAPED"], "a \"quoted\" word");
  EXPECT_EQ(os.fields.count("lower"), 0u);
}

TEST(PythonMetadata, PathsThatCount) {
  EXPECT_TRUE(
      is_python_metadata_path("usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA"));
  EXPECT_TRUE(
      is_python_metadata_path("usr/local/lib/python3.11/site-packages/a-1.egg-info/PKG-INFO"));
  EXPECT_TRUE(is_python_metadata_path("app/.venv/lib/python3.11/site-packages/old-1.0.egg-info"));
  EXPECT_FALSE(
      is_python_metadata_path("usr/lib/python3/dist-packages/pip-23.0.1.dist-info/RECORD"));
  EXPECT_FALSE(is_python_metadata_path("usr/share/doc/foo-1.dist-info/METADATA"));
  EXPECT_FALSE(is_python_metadata_path(
      "usr/lib/python3/dist-packages/pip/_vendor/x-1.dist-info/METADATA"));  // vendored copy
  EXPECT_FALSE(is_python_metadata_path("METADATA"));
}

TEST(PythonMetadata, NameAndVersionFromTheHeadersOnly) {
  std::string why;
  auto p = parse_python_metadata(
      "Metadata-Version: 2.1\r\nName: Flask\r\nVersion: 3.0.0\r\nSummary: x\r\n\r\nName: "
      "not-this\n",
      "sp/Flask-3.0.0.dist-info/METADATA", &why);
  ASSERT_TRUE(p) << why;
  EXPECT_EQ(p->name, "Flask");
  EXPECT_EQ(p->version, "3.0.0");
  EXPECT_FALSE(parse_python_metadata("Name: x\n\nVersion: 1\n", "m", &why));
  EXPECT_EQ(why, "no Version header");
}

}  // namespace
}  // namespace pw::image
