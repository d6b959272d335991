// A small synchronous HTTP client over libcurl. One Request in, one Response out; transport
// failures (refused, timed out, TLS) throw net::TransportError so callers can tell them from an
// HTTP status they must judge themselves (a 401 is a Response, not an exception).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "util/error.h"

namespace pw::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  // The body: the bytes of `body`, or when body_file is set, body_length bytes of that file from
  // body_offset (a multipart part or a large object, streamed rather than held in memory).
  std::string body;
  std::string body_file;
  std::uint64_t body_offset = 0;
  std::uint64_t body_length = 0;
  // Credentials go to libcurl's own options, never into the URL, so no error text carries them.
  std::string basic_user;
  std::string basic_password;
  std::string bearer_token;
  long timeout_seconds = 60;  // whole request; 0 = none
  long connect_timeout_seconds = 10;
  bool follow_redirects = false;
  bool verify_tls = true;
  std::string ca_file;  // extra CA bundle; empty = the system's
  // When set, the response body goes to this file instead of Response::body.
  std::string download_to;
  // Called with bytes sent so far and the total to send, at most a few times a second.
  std::function<void(std::uint64_t sent, std::uint64_t total)> on_upload_progress;
};

struct Response {
  long status = 0;
  Headers headers;  // names lower-cased, in the order received (of the last response)
  std::string body;
  double seconds = 0;

  // The first header of that name (case-insensitive), or "" when absent.
  std::string header(std::string_view name) const;
  bool ok() const { return status >= 200 && status < 300; }
};

// The request could not be completed: no HTTP answer (or a cut-off one) was received.
class TransportError : public Error {
 public:
  explicit TransportError(const std::string& message) : Error(message) {}
};

// Sends one request. Throws TransportError when no complete answer came back; any HTTP status
// (including 4xx and 5xx) is returned.
Response send(const Request& request);

// Makes send() answer with `transport` instead of the network, for the whole process (an empty
// function restores libcurl). For the fuzzers, which feed a server's answers to the S3 and
// registry clients in memory; production code never calls it.
void set_transport_for_testing(std::function<Response(const Request&)> transport);

// The URL without user info, query or fragment: what error messages name.
std::string redact_url(std::string_view url);

}  // namespace pw::net
