// What an S3-compatible store answers (status, headers, XML body), fed to every call the upload
// stage makes: HEAD, ListObjectsV2 (with continuation), PUT, and the multipart calls. The store
// gives the same answer to every request of one input.
#include "fuzz_http_answer.h"
#include "s3/client.h"

PW_FUZZ_TARGET(text) {
  using namespace pw;
  net::Response answer = fuzz::http_answer(text);
  net::set_transport_for_testing([&](const net::Request&) { return answer; });
  s3::ClientConfig config;
  config.bucket = "bucket";
  config.region = "us-east-1";
  config.endpoint = "http://127.0.0.1:9";
  config.credentials.access_key_id = "AKIDEXAMPLE";
  config.credentials.secret_access_key = "secret";
  config.retry.max_attempts = 2;
  config.sleep = [](std::chrono::milliseconds) {};
  s3::Client client(config);
  auto each = [](auto&& call) {
    try {
      call();
    } catch (const Error&) {
    }
  };
  each([&] { (void)client.head_object("a/b.txt"); });
  each([&] { (void)client.list_objects("a/"); });
  each([&] { client.put_object("a/b.txt", s3::Body::of("hello")); });
  each([&] {
    auto id = client.create_multipart("a/big.bin", std::string(64, '0'));
    auto part = client.upload_part("a/big.bin", id, 1, s3::Body::of("part"));
    client.complete_multipart("a/big.bin", id, {part});
  });
  each([&] { client.abort_multipart("a/big.bin", "upload-id"); });
}
