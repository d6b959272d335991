// AWS Signature Version 4, written out rather than left to libcurl: Debian 12's libcurl 7.88
// does not sort query parameters when it canonicalises (CURLOPT_AWS_SIGV4), so a signed
// `?prefix=a&list-type=2` is refused by a store that checks. Each step of the algorithm is a
// function of its own so tests can compare the canonical request and the string to sign with
// AWS's published test suite, not only the final signature.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http.h"

namespace pw::s3 {

// The keys a request is signed with. session_token is empty for long-term keys.
struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string source;  // where they were found, for messages ("environment", "profile ci")
};

// Query parameters decoded: the signer encodes them (and the client puts the same encoded,
// sorted text on the wire, so what is signed is what is sent).
using Query = std::vector<std::pair<std::string, std::string>>;

struct SigningInput {
  std::string method;
  std::string path;  // decoded ("/bucket/a key.txt"); the signer encodes it
  Query query;
  net::Headers headers;      // every header to sign; must hold host
  std::string payload_hash;  // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

struct SigningScope {
  std::string region;
  std::string service = "s3";
  // S3 signs the path as sent; the other services normalise it (dot segments, repeated
  // slashes) first. The published test suite is for a generic service.
  bool normalize_path = false;
};

// Percent-decodes %XX sequences (a '+' stays a '+', as S3 reads it).
std::string percent_decode(std::string_view text);
// Splits a raw query string ("b=2&a" ) into decoded pairs, in the order given.
Query parse_query(std::string_view raw);

// The canonical URI: every byte outside RFC 3986's unreserved set encoded, '/' kept; with
// normalize, "." and ".." segments resolved and empty segments dropped first.
std::string canonical_uri(std::string_view decoded_path, bool normalize);
// Names and values encoded, sorted by name then value (bytewise), joined with '&'; a name with
// no value gets '='.
std::string canonical_query(const Query& query);

struct CanonicalHeaders {
  std::string block;           // "name:value\n" per header, names lower-cased and sorted
  std::string signed_headers;  // "host;x-amz-date"
};
// Values trimmed with inner runs of spaces collapsed; repeated names joined by ',' in the order
// they were given.
CanonicalHeaders canonical_headers(const net::Headers& headers);

std::string canonical_request(const SigningInput& in, bool normalize_path);

// "20150830T123600Z" for a time point.
std::string amz_date(std::chrono::system_clock::time_point t);

std::string credential_scope(std::string_view date8, const SigningScope& scope);
std::string string_to_sign(std::string_view amz_datetime, std::string_view scope,
                           std::string_view canonical_request);

// Raw HMAC-SHA256 (32 bytes).
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string to_hex(std::string_view bytes);
std::string base64(std::string_view bytes);
// Hex to raw bytes; throws pw::Error on bad input.
std::string from_hex(std::string_view hex);

struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // hex
  std::string authorization;  // the Authorization header's value
};

// Signs `in` as of `amz_datetime`. Adds nothing to the request: use sign_request for that.
Signature compute_signature(const SigningInput& in, const AwsCredentials& creds,
                            const SigningScope& scope, std::string_view amz_datetime);

// Adds x-amz-date (when absent), x-amz-security-token (with a session token) and
// x-amz-content-sha256 (for S3) to in.headers, then signs and adds Authorization.
Signature sign_request(SigningInput& in, const AwsCredentials& creds, const SigningScope& scope,
                       std::chrono::system_clock::time_point now);

}  // namespace pw::s3
