// The signer against documented facts: AWS's published SigV4 test suite (generic service
// "service", us-east-1, AKIDEXAMPLE, 2015-08-30T12:36:00Z) and the worked examples of the S3
// API reference (examplebucket, AKIAIOSFODNN7EXAMPLE, 2013-05-24); then against botocore's
// signer on generated requests with odd keys, query strings and headers.
#include "s3/sigv4.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "util/hash.h"
#include "util/strings.h"

namespace pw::s3 {
namespace {

const AwsCredentials kSuiteKeys{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", ""};
const AwsCredentials kS3DocKeys{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                "", ""};
const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Line n (0-based) of a canonical request.
std::string split_line(const std::string& text, int n) {
  std::istringstream in(text);
  std::string line;
  for (int i = 0; i <= n; ++i) std::getline(in, line);
  return line;
}

struct SuiteCase {
  const char* name;
  const char* method;
  const char* target;  // path and query as in the vector's request line
  net::Headers extra;  // besides host and x-amz-date
  const char* body;
  const char* signed_headers;
  const char* signature;
};

// The published vectors (aws-sig-v4-test-suite), request line and Authorization header.
const std::vector<SuiteCase>& suite() {
  static const std::vector<SuiteCase> cases = {
      {"get-vanilla",
       "GET",
       "/",
       {},
       "",
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-unreserved",
       "GET",
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       {},
       "",
       "host;x-amz-date",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-slashes",
       "GET",
       "//example//",
       {},
       "",
       "host;x-amz-date",
       "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
      {"get-vanilla-query-order-key-case",
       "GET",
       "/?Param2=value2&Param1=value1",
       {},
       "",
       "host;x-amz-date",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-order-value",
       "GET",
       "/?Param1=value2&Param1=value1",
       {},
       "",
       "host;x-amz-date",
       "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"},
      {"get-vanilla-utf8-query",
       "GET",
       "/?\xe1\x88\xb4=bar",
       {},
       "",
       "host;x-amz-date",
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"get-header-value-order",
       "GET",
       "/",
       {{"My-Header1", "value4"},
        {"My-Header1", "value1"},
        {"My-Header1", "value3"},
        {"My-Header1", "value2"}},
       "",
       "host;my-header1;x-amz-date",
       "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
      {"get-header-key-duplicate",
       "GET",
       "/",
       {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
       "",
       "host;my-header1;x-amz-date",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-header-value-trim",
       "GET",
       "/",
       {{"My-Header1", " value1"}, {"My-Header2", "\"a   b   c\""}},
       "",
       "host;my-header1;my-header2;x-amz-date",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"post-x-www-form-urlencoded",
       "POST",
       "/",
       {{"Content-Type", "application/x-www-form-urlencoded"}},
       "Param1=value1",
       "content-type;host;x-amz-date",
       "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
  };
  return cases;
}

SigningInput suite_input(const SuiteCase& c) {
  SigningInput in;
  in.method = c.method;
  std::string target = c.target;
  auto q = target.find('?');
  in.path = percent_decode(target.substr(0, q));
  if (q != std::string::npos) in.query = parse_query(target.substr(q + 1));
  in.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  for (const auto& h : c.extra) in.headers.push_back(h);
  in.payload_hash = sha256_hex(c.body);
  return in;
}

const SigningScope kSuiteScope{"us-east-1", "service", /*normalize_path=*/true};

TEST(SigV4Suite, PublishedVectorsSignToTheirAuthorizationHeaders) {
  for (const auto& c : suite()) {
    SCOPED_TRACE(c.name);
    auto s = compute_signature(suite_input(c), kSuiteKeys, kSuiteScope, "20150830T123600Z");
    EXPECT_EQ(s.authorization,
              std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                          "aws4_request, SignedHeaders=") +
                  c.signed_headers + ", Signature=" + c.signature);
  }
}

TEST(SigV4Suite, GetVanillaIntermediateStrings) {
  auto s = compute_signature(suite_input(suite()[0]), kSuiteKeys, kSuiteScope, "20150830T123600Z");
  EXPECT_EQ(s.canonical_request,
            std::string("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                        "host;x-amz-date\n") +
                kEmpty);
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
}

TEST(SigV4Suite, QueryOrderKeyCaseCanonicalRequest) {
  auto s = compute_signature(suite_input(suite()[3]), kSuiteKeys, kSuiteScope, "20150830T123600Z");
  EXPECT_EQ(split_line(s.canonical_request, 2), "Param1=value1&Param2=value2");
  EXPECT_EQ(sha256_hex(s.canonical_request),
            "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0");
}

TEST(SigV4Suite, PostFormCanonicalRequestHash) {
  auto s = compute_signature(suite_input(suite()[9]), kSuiteKeys, kSuiteScope, "20150830T123600Z");
  EXPECT_EQ(sha256_hex(s.canonical_request),
            "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281");
  EXPECT_NE(
      s.canonical_request.find("9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"),
      std::string::npos);
}

TEST(SigV4Suite, SessionTokenIsSignedAndSent) {
  AwsCredentials keys = kSuiteKeys;
  keys.session_token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
  SigningInput in;
  in.method = "GET";
  in.path = "/";
  in.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  in.payload_hash = kEmpty;
  SigningScope scope = kSuiteScope;
  auto s = sign_request(in, keys, scope, {});
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date;x-amz-security-token, "
            "Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8");
  bool sent = false;
  for (const auto& [k, v] : in.headers)
    if (k == "x-amz-security-token" && v == keys.session_token) sent = true;
  EXPECT_TRUE(sent);
}

TEST(SigV4Suite, PublishedCanonicalPaths) {
  EXPECT_EQ(canonical_uri("/example space/", true), "/example%20space/");
  EXPECT_EQ(canonical_uri("/\xe1\x88\xb4", true), "/%E1%88%B4");
  EXPECT_EQ(canonical_uri("//example//", true), "/example/");
  EXPECT_EQ(canonical_uri("/./", true), "/");
  EXPECT_EQ(canonical_uri("/example/..", true), "/");
  EXPECT_EQ(canonical_uri("/example1/example2/../..", true), "/");
  EXPECT_EQ(canonical_uri("/example/.././", true), "/");
}

// The S3 API reference's worked examples (path-style canonical URIs, signed payload hashes).
SigningInput s3_doc(const std::string& method, const std::string& path, const Query& q,
                    net::Headers extra, const std::string& payload_hash) {
  SigningInput in;
  in.method = method;
  in.path = path;
  in.query = q;
  in.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                {"x-amz-date", "20130524T000000Z"},
                {"x-amz-content-sha256", payload_hash}};
  for (auto& h : extra) in.headers.push_back(h);
  in.payload_hash = payload_hash;
  return in;
}

const SigningScope kS3Scope{"us-east-1", "s3", false};

TEST(SigV4S3Examples, GetObjectWithRange) {
  auto s = compute_signature(s3_doc("GET", "/test.txt", {}, {{"Range", "bytes=0-9"}}, kEmpty),
                             kS3DocKeys, kS3Scope, "20130524T000000Z");
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4S3Examples, PutObject) {
  std::string body = "Welcome to Amazon S3.";
  auto s = compute_signature(s3_doc("PUT", "/test$file.text", {},
                                    {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                                    sha256_hex(body)),
                             kS3DocKeys, kS3Scope, "20130524T000000Z");
  EXPECT_EQ(split_line(s.canonical_request, 1), "/test%24file.text");
  EXPECT_EQ(s.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4S3Examples, GetBucketLifecycle) {
  auto s = compute_signature(s3_doc("GET", "/", {{"lifecycle", ""}}, {}, kEmpty), kS3DocKeys,
                             kS3Scope, "20130524T000000Z");
  EXPECT_EQ(split_line(s.canonical_request, 2), "lifecycle=");
  EXPECT_EQ(s.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4S3Examples, ListObjectsQuerySorted) {
  auto s = compute_signature(s3_doc("GET", "/", {{"prefix", "J"}, {"max-keys", "2"}}, {}, kEmpty),
                             kS3DocKeys, kS3Scope, "20130524T000000Z");
  EXPECT_EQ(split_line(s.canonical_request, 2), "max-keys=2&prefix=J");
  EXPECT_EQ(s.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Parts, CanonicalQueryEncodesAndSorts) {
  EXPECT_EQ(canonical_query({{"q", "a+b"}}), "q=a%2Bb");
  EXPECT_EQ(canonical_query({{"b", ""}, {"a", "1"}}), "a=1&b=");
  EXPECT_EQ(canonical_query({{"a", "1=2"}}), "a=1%3D2");
  EXPECT_EQ(canonical_query({{"x", "a.b"}, {"x", "a/b"}}), "x=a%2Fb&x=a.b");
  EXPECT_EQ(canonical_query({{"prefix", "a"}, {"list-type", "2"}}), "list-type=2&prefix=a");
  EXPECT_EQ(canonical_query(parse_query("q=a%20b&z")), "q=a%20b&z=");
}

TEST(SigV4Parts, S3PathsAreEncodedOnceNotNormalized) {
  EXPECT_EQ(canonical_uri("/b/dir/a key+1.txt", false), "/b/dir/a%20key%2B1.txt");
  EXPECT_EQ(canonical_uri("/b/./x//y", false), "/b/./x//y");
  EXPECT_EQ(canonical_uri("/b/r\xc3\xa9sum\xc3\xa9.txt", false), "/b/r%C3%A9sum%C3%A9.txt");
}

TEST(SigV4Parts, HexAndBase64) {
  EXPECT_EQ(base64(from_hex(kEmpty)), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  EXPECT_EQ(to_hex(from_hex("00ff10")), "00ff10");
  EXPECT_THROW(from_hex("zz"), Error);
  EXPECT_EQ(amz_date(std::chrono::system_clock::from_time_t(1440938160)), "20150830T123600Z");
}

// ---- botocore as an independent reference on generated requests ----

std::string random_text(std::mt19937& rng, bool allow_slash) {
  static const std::vector<std::string> atoms = {"a",
                                                 "Z",
                                                 "0",
                                                 " ",
                                                 "+",
                                                 "=",
                                                 "&",
                                                 "%",
                                                 "~",
                                                 "-",
                                                 "_",
                                                 ".",
                                                 "!",
                                                 "*",
                                                 "'",
                                                 "(",
                                                 ")",
                                                 ";",
                                                 ":",
                                                 "@",
                                                 "$",
                                                 ",",
                                                 "?",
                                                 "#",
                                                 "[",
                                                 "]",
                                                 "\xc3\xa9",
                                                 "\xe2\x82\xac",
                                                 "\xf0\x9f\x93\xa6",
                                                 "\xe1\x88\xb4",
                                                 "key",
                                                 "report"};
  std::uniform_int_distribution<size_t> len(1, 12), pick(0, atoms.size() - 1);
  std::string s;
  size_t n = len(rng);
  for (size_t i = 0; i < n; ++i) s += atoms[pick(rng)];
  if (allow_slash && rng() % 3 == 0) s += "/" + random_text(rng, false);
  return s;
}

TEST(SigV4Botocore, AgreesOnGeneratedRequests) {
  namespace fs = std::filesystem;
  std::mt19937 rng(20261125);
  nlohmann::json requests = nlohmann::json::array();
  std::vector<std::string> mine;
  std::vector<std::string> mine_canonical;
  const std::vector<std::string> methods = {"GET", "PUT", "POST", "HEAD", "DELETE"};
  for (int i = 0; i < 60; ++i) {
    SigningInput in;
    in.method = methods[rng() % methods.size()];
    in.path = "/bucket-" + std::to_string(i) + "/" + random_text(rng, true);
    // Query parameters in a random order; duplicates on purpose now and then.
    int nq = static_cast<int>(rng() % 5);
    for (int q = 0; q < nq; ++q) {
      std::string name = rng() % 4 == 0 ? "list-type" : random_text(rng, true);
      in.query.emplace_back(name, rng() % 3 == 0 ? "" : random_text(rng, true));
      if (rng() % 5 == 0) in.query.emplace_back(name, random_text(rng, false));
    }
    std::string host = "127.0.0.1:" + std::to_string(4000 + i);
    in.headers = {{"Host", host}, {"x-amz-date", "20261125T101500Z"}};
    in.payload_hash = sha256_hex(random_text(rng, false));
    in.headers.emplace_back("x-amz-content-sha256", in.payload_hash);
    if (rng() % 2) in.headers.emplace_back("X-Amz-Meta-Note", "  two   spaces  inside ");
    if (rng() % 2) in.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    if (rng() % 3 == 0) {
      in.headers.emplace_back("x-amz-meta-list", "b");
      in.headers.emplace_back("x-amz-meta-list", "a");
    }
    AwsCredentials keys{"AKID" + std::to_string(i), "secret/" + random_text(rng, false), "", ""};
    if (rng() % 4 == 0) {
      keys.session_token = "token+" + std::to_string(i);
      in.headers.emplace_back("x-amz-security-token", keys.session_token);
    }
    SigningScope scope{rng() % 2 ? "ap-south-1" : "eu-west-3", "s3", false};
    auto s = compute_signature(in, keys, scope, "20261125T101500Z");
    mine.push_back(s.authorization);
    mine_canonical.push_back(s.canonical_request);

    // The URL as the client puts it on the wire, but with the query in its original order:
    // botocore must sort it itself.
    std::string url = "http://" + host + canonical_uri(in.path, false);
    std::string q;
    for (const auto& [k, v] : in.query)
      q += (q.empty() ? "" : "&") + percent_encode(k) + "=" + percent_encode(v);
    if (!q.empty()) url += "?" + q;
    nlohmann::json headers = nlohmann::json::array();
    for (const auto& [k, v] : in.headers) headers.push_back({k, v});
    requests.push_back({{"method", in.method},
                        {"url", url},
                        {"headers", headers},
                        {"date", "20261125T101500Z"},
                        {"region", scope.region},
                        {"access_key", keys.access_key_id},
                        {"secret_key", keys.secret_access_key},
                        {"token", keys.session_token}});
  }
  fs::path dir = fs::temp_directory_path() / ("pw-sigv4-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  { std::ofstream(dir / "requests.json") << requests.dump(); }
  std::string cmd = "/usr/bin/python3 " + std::string(PW_SOURCE_DIR) +
                    "/tests/unit/s3/botocore_sign.py " + (dir / "requests.json").string() + " > " +
                    (dir / "out.json").string();
  int rc = std::system(cmd.c_str());
  if (WIFEXITED(rc) && WEXITSTATUS(rc) == 3) {
    fs::remove_all(dir);
    GTEST_SKIP() << "python3-botocore is not installed: cannot compare with botocore's signer";
  }
  ASSERT_EQ(rc, 0) << cmd;
  std::ifstream in(dir / "out.json");
  auto out = nlohmann::json::parse(in);
  fs::remove_all(dir);
  ASSERT_EQ(out.size(), mine.size());
  for (size_t i = 0; i < mine.size(); ++i) {
    SCOPED_TRACE("request " + std::to_string(i) + ": " + requests[i]["url"].get<std::string>());
    EXPECT_EQ(out[i]["canonical_request"].get<std::string>(), mine_canonical[i]);
    EXPECT_EQ(out[i]["authorization"].get<std::string>(), mine[i]);
  }
}

}  // namespace
}  // namespace pw::s3
