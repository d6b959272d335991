// Answers of an S3 store that once broke the client under tests/fuzz (fuzz_s3_response): each
// must end in pw::Error with a message, never another exception or a loop.
#include <gtest/gtest.h>

#include "net/http.h"
#include "s3/client.h"

namespace pw::s3 {
namespace {

class StoreAnswers : public ::testing::Test {
 protected:
  void answer(long status, net::Headers headers, std::string body) {
    net::Response r;
    r.status = status;
    r.headers = std::move(headers);
    r.body = std::move(body);
    net::set_transport_for_testing([r, this](const net::Request&) {
      ++requests;
      return r;
    });
  }
  void TearDown() override { net::set_transport_for_testing({}); }
  Client client() {
    ClientConfig c;
    c.bucket = "bucket";
    c.region = "us-east-1";
    c.endpoint = "http://127.0.0.1:9";
    c.credentials.access_key_id = "AKIDEXAMPLE";
    c.credentials.secret_access_key = "secret";
    c.retry.max_attempts = 2;
    c.sleep = [](std::chrono::milliseconds) {};
    return Client(c);
  }
  int requests = 0;
};

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// crash-36df38ff: "content-length: ;5" made std::stoull throw std::invalid_argument.
TEST_F(StoreAnswers, HeadWithAContentLengthThatIsNotANumberIsTheStoresError) {
  answer(200, {{"content-length", ";5"}, {"etag", "\"abc\""}}, "");
  auto c = client();
  EXPECT_EQ(error_of([&] { c.head_object("a/b.txt"); }),
            "HEAD s3://bucket/a/b.txt: Content-Length: ';5' is not a size");
}

// The case: a Content-Length past 2^64 (std::out_of_range).
TEST_F(StoreAnswers, HeadWithAnOverflowingContentLengthIsTheStoresError) {
  answer(200, {{"content-length", "99999999999999999999999"}}, "");
  auto c = client();
  EXPECT_NE(error_of([&] { c.head_object("k"); }).find("is not a size"), std::string::npos);
}

TEST_F(StoreAnswers, ListingWithASizeThatIsNotANumberIsTheStoresError) {
  answer(200, {},
         "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>");
  auto c = client();
  EXPECT_EQ(error_of([&] { c.list_objects("a/"); }),
            "GET s3://bucket/a/: <Size>: '-1' is not a size");
}

// A store repeating its continuation token paged forever (the fuzzer's 1 s timeout).
TEST_F(StoreAnswers, ListingStopsWhenTheStoreRepeatsAContinuationToken) {
  answer(200, {},
         "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>t1"
         "</NextContinuationToken><Contents><Key>k</Key><Size>5</Size></Contents>"
         "</ListBucketResult>");
  auto c = client();
  EXPECT_NE(error_of([&] { c.list_objects("a/"); }).find("continuation token it gave before"),
            std::string::npos);
  EXPECT_EQ(requests, 2);
}

}  // namespace
}  // namespace pw::s3
