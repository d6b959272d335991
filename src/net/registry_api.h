// The little of the OCI distribution API (the Docker registry HTTP API v2) pipewright needs to
// check a push itself rather than trust the engine's word: which digest the registry serves for
// a tag. Handles both ways registries authenticate: basic auth straight on the request (a
// self-hosted registry with htpasswd) and the token handshake of Docker Hub and most hosted
// registries (401 with `WWW-Authenticate: Bearer realm=...`, a token fetched with basic auth).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "net/http.h"

namespace pw::net {

// A WWW-Authenticate challenge: the scheme ("bearer", "basic"; lower case) and its parameters.
struct AuthChallenge {
  std::string scheme;
  std::map<std::string, std::string> params;  // realm, service, scope, ...
};
AuthChallenge parse_challenge(std::string_view header);

// The API host of a registry name as people write it: Docker Hub's "docker.io" (and
// "index.docker.io") is served at registry-1.docker.io.
std::string registry_api_host(const std::string& registry);

struct RegistryAccess {
  std::string registry;  // host[:port] as in the image reference
  std::string username;
  std::string password;
  bool tls_verify = true;  // false: TLS without verification, then plain HTTP (as podman does)
  long timeout_seconds = 30;
};

struct ManifestAnswer {
  long status = 0;         // the registry's final HTTP status
  std::string digest;      // Docker-Content-Digest, else the sha256 of the body; "" unless 200
  std::string media_type;  // Content-Type
  std::string url;         // what was asked (no credentials)
};

// GETs /v2/<repository>/manifests/<reference> asking for OCI and Docker manifests and indexes.
// Throws TransportError when the registry cannot be reached; any HTTP status is returned.
ManifestAnswer fetch_manifest(const RegistryAccess& access, const std::string& repository,
                              const std::string& reference);

}  // namespace pw::net
