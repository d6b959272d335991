// What a container registry answers to the push check: the manifest request, a 401 with a
// WWW-Authenticate challenge, the token endpoint's JSON. Each input is one answer given to every
// request, plus the challenge parser on the whole text.
#include "fuzz_http_answer.h"
#include "net/registry_api.h"

PW_FUZZ_TARGET(text) {
  using namespace pw;
  (void)net::parse_challenge(text);
  net::Response answer = fuzz::http_answer(text);
  net::set_transport_for_testing([&](const net::Request&) { return answer; });
  net::RegistryAccess access;
  access.registry = "registry.example:5000";
  access.username = "user";
  access.password = "password";
  (void)net::fetch_manifest(access, "team/app", "1.0");
}
