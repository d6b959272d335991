#include "net/registry_api.h"

#include <cctype>

#include "util/hash.h"
#include "util/strings.h"

namespace pw::net {

namespace {

const char* kManifestTypes =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

std::string query_escape(const std::string& s) { return percent_encode(s); }

}  // namespace

AuthChallenge parse_challenge(std::string_view header) {
  AuthChallenge c;
  std::string_view h = trim(header);
  size_t sp = h.find(' ');
  c.scheme = to_lower(h.substr(0, sp));
  if (sp == std::string_view::npos) return c;
  std::string_view rest = h.substr(sp + 1);
  size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == ',')) ++i;
    size_t eq = rest.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string key = to_lower(trim(rest.substr(i, eq - i)));
    i = eq + 1;
    while (i < rest.size() && rest[i] == ' ') ++i;
    std::string value;
    if (i < rest.size() && rest[i] == '"') {
      ++i;
      while (i < rest.size() && rest[i] != '"') {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        value += rest[i++];
      }
      ++i;  // the closing quote
    } else {
      while (i < rest.size() && rest[i] != ',') value += rest[i++];
      value = std::string(trim(value));
    }
    c.params[key] = value;
  }
  return c;
}

std::string registry_api_host(const std::string& registry) {
  if (registry == "docker.io" || registry == "index.docker.io" ||
      registry == "registry.hub.docker.com")
    return "registry-1.docker.io";
  return registry;
}

namespace {

Response get(const RegistryAccess& a, const std::string& url, const Headers& headers,
             const std::string& bearer, bool basic) {
  Request r;
  r.url = url;
  r.headers = headers;
  r.timeout_seconds = a.timeout_seconds;
  r.verify_tls = a.tls_verify;
  if (!bearer.empty())
    r.bearer_token = bearer;
  else if (basic) {
    r.basic_user = a.username;
    r.basic_password = a.password;
  }
  return send(r);
}

// Asks once with basic auth; on a Bearer challenge, fetches a token from its realm (with basic
// auth, as `docker login` does) and asks again with it.
Response get_authorized(const RegistryAccess& a, const std::string& url, const Headers& headers) {
  Response r = get(a, url, headers, "", true);
  if (r.status != 401) return r;
  AuthChallenge ch = parse_challenge(r.header("www-authenticate"));
  if (ch.scheme != "bearer" || ch.params["realm"].empty()) return r;
  std::string token_url = ch.params["realm"];
  std::string sep = token_url.find('?') == std::string::npos ? "?" : "&";
  if (!ch.params["service"].empty()) {
    token_url += sep + "service=" + query_escape(ch.params["service"]);
    sep = "&";
  }
  if (!ch.params["scope"].empty()) token_url += sep + "scope=" + query_escape(ch.params["scope"]);
  Response t = get(a, token_url, {}, "", true);
  if (!t.ok()) return t;
  // {"token": "..."} or {"access_token": "..."}; parsed by hand to keep this layer on util only.
  std::string token;
  for (const char* key : {"\"token\"", "\"access_token\""}) {
    auto k = t.body.find(key);
    if (k == std::string::npos) continue;
    auto q1 = t.body.find('"', t.body.find(':', k) + 1);
    auto q2 = q1 == std::string::npos ? q1 : t.body.find('"', q1 + 1);
    if (q2 != std::string::npos) {
      token = t.body.substr(q1 + 1, q2 - q1 - 1);
      break;
    }
  }
  if (token.empty()) return r;
  return get(a, url, headers, token, false);
}

}  // namespace

ManifestAnswer fetch_manifest(const RegistryAccess& access, const std::string& repository,
                              const std::string& reference) {
  std::string host = registry_api_host(access.registry);
  std::string path = "/v2/" + repository + "/manifests/" + percent_encode(reference);
  Headers headers = {{"Accept", kManifestTypes}};
  ManifestAnswer out;
  Response r;
  if (access.tls_verify) {
    out.url = "https://" + host + path;
    r = get_authorized(access, out.url, headers);
  } else {
    // As podman with --tls-verify=false: TLS when the registry speaks it, else plain HTTP.
    try {
      out.url = "https://" + host + path;
      r = get_authorized(access, out.url, headers);
    } catch (const TransportError&) {
      out.url = "http://" + host + path;
      r = get_authorized(access, out.url, headers);
    }
  }
  out.status = r.status;
  out.media_type = r.header("content-type");
  if (r.status == 200) {
    out.digest = r.header("docker-content-digest");
    if (out.digest.empty()) out.digest = "sha256:" + sha256_hex(r.body);
  }
  return out;
}

}  // namespace pw::net
