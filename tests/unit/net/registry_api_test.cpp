// The registry check: reading a WWW-Authenticate challenge, Docker Hub's API host, and the token
// handshake against a loopback server.
#include "net/registry_api.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

namespace pw::net {
namespace {

TEST(RegistryApi, ParsesDockerHubBearerChallenge) {
  auto c = parse_challenge(
      "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
      "scope=\"repository:ci/app:pull,push\"");
  EXPECT_EQ(c.scheme, "bearer");
  EXPECT_EQ(c.params["realm"], "https://auth.docker.io/token");
  EXPECT_EQ(c.params["service"], "registry.docker.io");
  EXPECT_EQ(c.params["scope"], "repository:ci/app:pull,push");  // the comma inside quotes stays
}

TEST(RegistryApi, ParsesBasicChallengeAndOddSpacing) {
  auto c = parse_challenge("Basic realm=\"pipewright-test\"");
  EXPECT_EQ(c.scheme, "basic");
  EXPECT_EQ(c.params["realm"], "pipewright-test");
  auto d = parse_challenge("  BEARER  realm=x , service = \"a\\\"b\"  ");
  EXPECT_EQ(d.scheme, "bearer");
  EXPECT_EQ(d.params["realm"], "x");
  EXPECT_EQ(d.params["service"], "a\"b");
  EXPECT_EQ(parse_challenge("").scheme, "");
}

TEST(RegistryApi, DockerHubApiHost) {
  EXPECT_EQ(registry_api_host("docker.io"), "registry-1.docker.io");
  EXPECT_EQ(registry_api_host("index.docker.io"), "registry-1.docker.io");
  EXPECT_EQ(registry_api_host("127.0.0.1:5000"), "127.0.0.1:5000");
  EXPECT_EQ(registry_api_host("ghcr.io"), "ghcr.io");
}

}  // namespace
}  // namespace pw::net

// A registry that authenticates as Docker Hub does, on loopback: the manifest answers 401 with a
// Bearer challenge, the token endpoint wants basic auth, the token opens the manifest.
namespace pw::net {
namespace {

class TokenRegistry {
 public:
  TokenRegistry() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t n = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &n);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 8);
    thread_ = std::thread([this] { serve(); });
  }
  ~TokenRegistry() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::atomic<int> token_requests{0};

 private:
  void serve() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        ssize_t k = ::read(c, buf, sizeof buf);
        if (k <= 0) break;
        req.append(buf, static_cast<size_t>(k));
        if (!req.empty() && req[0] == '\x16') break;  // a TLS hello: this server is plain HTTP
      }
      std::string resp = answer(req);
      if (!resp.empty()) (void)!::write(c, resp.data(), resp.size());
      ::close(c);
    }
  }
  std::string answer(const std::string& req) {
    if (req.empty() || req[0] == '\x16') return {};
    auto reply = [](const std::string& status, const std::string& headers,
                    const std::string& body) {
      return "HTTP/1.1 " + status + "\r\n" + headers +
             "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
             body;
    };
    if (req.starts_with("GET /token?service=reg&scope=repository%3Aci%2Fapp%3Apull ")) {
      ++token_requests;
      // base64("ci:s3cret")
      if (req.find("Authorization: Basic Y2k6czNjcmV0\r\n") == std::string::npos)
        return reply("401 Unauthorized", "", "");
      return reply("200 OK", "Content-Type: application/json\r\n", "{\"token\": \"tok123\"}");
    }
    if (req.starts_with("GET /v2/ci/app/manifests/1-abc ")) {
      if (req.find("Authorization: Bearer tok123\r\n") == std::string::npos)
        return reply("401 Unauthorized",
                     "WWW-Authenticate: Bearer realm=\"http://" + host() +
                         "/token\",service=\"reg\",scope=\"repository:ci/app:pull\"\r\n",
                     "");
      if (req.find("application/vnd.oci.image.manifest.v1+json") == std::string::npos)
        return reply("404 Not Found", "", "");
      return reply("200 OK",
                   "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n"
                   "Docker-Content-Digest: sha256:" +
                       std::string(64, 'a') + "\r\n",
                   "{}");
    }
    return reply("404 Not Found", "", "");
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(RegistryApi, BearerTokenHandshakeThenPlainHttpFallback) {
  TokenRegistry reg;
  RegistryAccess access{reg.host(), "ci", "s3cret", /*tls_verify=*/false, 10};
  auto m = fetch_manifest(access, "ci/app", "1-abc");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.digest, "sha256:" + std::string(64, 'a'));
  EXPECT_EQ(m.url, "http://" + reg.host() + "/v2/ci/app/manifests/1-abc");
  EXPECT_EQ(reg.token_requests.load(), 1);

  RegistryAccess wrong{reg.host(), "ci", "nope", false, 10};
  auto w = fetch_manifest(wrong, "ci/app", "1-abc");
  EXPECT_EQ(w.status, 401);
  EXPECT_EQ(w.digest, "");
}

}  // namespace
}  // namespace pw::net
