// The retry policy, multipart planning and the XML the client writes and reads.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <set>

#include "s3/client.h"
#include "s3/credentials.h"
#include "s3/retry.h"
#include "s3/transfer.h"
#include "util/hash.h"

namespace pw::s3 {
namespace {

TEST(Retry, WhichStatusesAreRetried) {
  for (long s : {429L, 500L, 502L, 503L, 504L}) EXPECT_TRUE(RetryPolicy::retryable_status(s)) << s;
  for (long s : {200L, 301L, 400L, 403L, 404L, 409L, 412L})
    EXPECT_FALSE(RetryPolicy::retryable_status(s)) << s;
}

TEST(Retry, DelaysGrowExponentiallyWithJitterAndACap) {
  RetryPolicy p;
  p.base_delay = std::chrono::milliseconds(100);
  p.max_delay = std::chrono::milliseconds(1000);
  std::mt19937_64 rng(7);
  for (int attempt = 1; attempt <= 8; ++attempt) {
    long long cap = std::min<long long>(1000, 100LL << (attempt - 1));
    std::set<long long> seen;
    for (int i = 0; i < 200; ++i) {
      auto d = p.delay(attempt, rng).count();
      EXPECT_GE(d, cap - cap / 2) << attempt;
      EXPECT_LE(d, cap) << attempt;
      seen.insert(d);
    }
    EXPECT_GT(seen.size(), 10u) << "no jitter at attempt " << attempt;
  }
}

TEST(Parts, PlanCoversTheFileExactly) {
  auto parts = plan_parts(64ull << 20, 16ull << 20);
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[3].first, 48ull << 20);
  EXPECT_EQ(parts[3].second, 16ull << 20);
  parts = plan_parts((10ull << 20) + 1, 5ull << 20);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2].second, 1u);
  // Below S3's 5 MiB minimum the part size is raised.
  EXPECT_EQ(plan_parts(12ull << 20, 1024).size(), 3u);
  // Never more than 10,000 parts.
  auto huge = plan_parts(1ull << 40, 5ull << 20);
  EXPECT_LE(huge.size(), 10000u);
  std::uint64_t sum = 0;
  for (const auto& p : huge) sum += p.second;
  EXPECT_EQ(sum, 1ull << 40);
}

TEST(Xml, CompleteMultipartBody) {
  std::string xml = complete_multipart_xml(
      {{1, "\"etag1\"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
       {2, "\"etag2\"", ""}});
  EXPECT_EQ(xml,
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Part><PartNumber>1</PartNumber><ETag>&quot;etag1&quot;</ETag>"
            "<ChecksumSHA256>47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=</ChecksumSHA256></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>&quot;etag2&quot;</ETag></Part>"
            "</CompleteMultipartUpload>");
}

TEST(Xml, ErrorsAndListings) {
  std::string err =
      "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request "
      "signature we calculated does not match &amp; so on</Message></Error>";
  EXPECT_EQ(xml_text(err, "Code"), "SignatureDoesNotMatch");
  EXPECT_EQ(xml_text(err, "Message"), "The request signature we calculated does not match & so on");
  EXPECT_EQ(xml_text(err, "Missing"), "");
  std::string list =
      "<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a b/r&#233;sum&#xe9;</Key>"
      "<Size>12</Size></Contents><Contents><Key>c</Key><Size>0</Size></Contents>"
      "<NextContinuationToken>tok</NextContinuationToken></ListBucketResult>";
  auto items = xml_elements(list, "Contents");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(xml_text(items[0], "Key"), "a b/r\xc3\xa9sum\xc3\xa9");
  EXPECT_EQ(xml_text(items[1], "Size"), "0");
  EXPECT_EQ(xml_text(list, "NextContinuationToken"), "tok");
}

TEST(Client, ConfigurationErrorsAreClear) {
  ClientConfig c;
  c.bucket = "b";
  EXPECT_THROW(Client{c}, ConfigError);  // no region
  c.region = "r";
  c.endpoint = "ftp://127.0.0.1:1";
  EXPECT_THROW(Client{c}, ConfigError);
  c.endpoint = "http://user:pw@127.0.0.1:1";
  try {
    Client{c};
    FAIL() << "credentials in the endpoint accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find("pw@"), std::string::npos);
  }
  c.endpoint = "http://127.0.0.1:1/";
  Client ok(c);
  EXPECT_EQ(ok.url_for_display("a/b"), "s3://b/a/b");
}

TEST(Client, RetriesConnectionErrorsThenReportsThem) {
  ClientConfig c;
  c.bucket = "b";
  c.region = "r";
  c.endpoint = "http://127.0.0.1:9";  // discard port: nothing listens on loopback
  c.retry.max_attempts = 3;
  int sleeps = 0, retries = 0;
  c.sleep = [&](std::chrono::milliseconds) { ++sleeps; };
  c.on_retry = [&](const std::string&) { ++retries; };
  Client client(c);
  try {
    client.put_object("k", Body::of("x"));
    FAIL() << "no error";
  } catch (const net::TransportError& e) {
    EXPECT_NE(std::string(e.what()).find("after 3 attempts"), std::string::npos) << e.what();
  }
  EXPECT_EQ(sleeps, 2);
  EXPECT_EQ(retries, 2);
}

TEST(Client, AFileThatChangesOrVanishesIsNotSent) {
  namespace fs = std::filesystem;
  fs::path f = fs::temp_directory_path() / ("pw-s3-body-" + std::to_string(::getpid()));
  std::ofstream(f) << "first content";
  Body body = Body::of_file(f);
  EXPECT_EQ(body.size(), 13u);
  EXPECT_EQ(body.sha256_hex, sha256_hex("first content"));
  std::ofstream(f, std::ios::app) << " and more";
  ClientConfig c;
  c.bucket = "b";
  c.region = "r";
  c.endpoint = "http://127.0.0.1:9";
  c.sleep = [](std::chrono::milliseconds) {};
  Client client(c);
  try {
    client.put_object("k", body);
    FAIL() << "a changed file was sent";
  } catch (const net::TransportError&) {
    FAIL() << "tried to send a changed file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("changed while being uploaded"), std::string::npos);
  }
  fs::remove(f);
  try {
    client.put_object("k", body);
    FAIL() << "a vanished file was sent";
  } catch (const net::TransportError&) {
    FAIL() << "tried to send a vanished file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("vanished"), std::string::npos);
  }
}

TEST(Client, ContentTypes) {
  EXPECT_EQ(content_type_for("reports/coverage.xml"), "application/xml");
  EXPECT_EQ(content_type_for("manifest.json"), "application/json");
  EXPECT_EQ(content_type_for("dist/app-1.0.tar.gz"), "application/gzip");
  EXPECT_EQ(content_type_for("blob"), "binary/octet-stream");
}

// ---- credentials ----

struct FakeEnv {
  std::map<std::string, std::string> vars;
  EnvLookup lookup() const {
    return [this](const std::string& k) -> std::optional<std::string> {
      auto it = vars.find(k);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home = std::filesystem::temp_directory_path() / ("pw-s3-home-" + std::to_string(::getpid()));
    std::filesystem::create_directories(home / ".aws");
  }
  void TearDown() override { std::filesystem::remove_all(home); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(home / ".aws" / name) << text;
  }
  std::filesystem::path home;
};

TEST_F(CredentialsTest, EnvironmentComesFirst) {
  write("credentials",
        "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n");
  FakeEnv env{{{"AWS_ACCESS_KEY_ID", "ENVKEY"},
               {"AWS_SECRET_ACCESS_KEY", "envsecret"},
               {"AWS_SESSION_TOKEN", "tok"},
               {"AWS_DEFAULT_REGION", "eu-west-1"}}};
  auto s = resolve_aws_setup(env.lookup(), home);
  ASSERT_TRUE(s.credentials);
  EXPECT_EQ(s.credentials->access_key_id, "ENVKEY");
  EXPECT_EQ(s.credentials->session_token, "tok");
  EXPECT_EQ(s.region, "eu-west-1");
}

TEST_F(CredentialsTest, ProfileFromBothFiles) {
  write("credentials",
        "# comment\n[default]\naws_access_key_id=D\naws_secret_access_key=d\n\n[ci]\n"
        "aws_access_key_id = CIKEY\naws_secret_access_key = ci/secret+x\n");
  write("config", "[default]\nregion = us-east-2\n[profile ci]\nregion = ap-south-1\n");
  FakeEnv env{{{"AWS_PROFILE", "ci"}}};
  auto s = resolve_aws_setup(env.lookup(), home);
  ASSERT_TRUE(s.credentials);
  EXPECT_EQ(s.credentials->access_key_id, "CIKEY");
  EXPECT_EQ(s.credentials->secret_access_key, "ci/secret+x");
  EXPECT_EQ(s.region, "ap-south-1");
  FakeEnv none;
  auto d = resolve_aws_setup(none.lookup(), home);
  EXPECT_EQ(d.credentials->access_key_id, "D");
  EXPECT_EQ(d.region, "us-east-2");
  // AWS_REGION wins over the file.
  FakeEnv region{{{"AWS_REGION", "sa-east-1"}}};
  EXPECT_EQ(resolve_aws_setup(region.lookup(), home).region, "sa-east-1");
}

TEST_F(CredentialsTest, UnknownProfileIsAnError) {
  write("credentials", "[default]\naws_access_key_id=D\naws_secret_access_key=d\n");
  FakeEnv env{{{"AWS_PROFILE", "nope"}}};
  EXPECT_THROW(resolve_aws_setup(env.lookup(), home), ConfigError);
}

TEST_F(CredentialsTest, NothingConfigured) {
  FakeEnv none;
  auto s = resolve_aws_setup(none.lookup(), home);
  EXPECT_FALSE(s.credentials);
  EXPECT_EQ(s.region, "");
}

}  // namespace
}  // namespace pw::s3
