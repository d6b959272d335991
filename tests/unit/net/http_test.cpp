#include "net/http.h"

#include <gtest/gtest.h>

namespace pw::net {

TEST(RedactUrl, DropsUserInfoQueryAndFragment) {
  EXPECT_EQ(redact_url("https://user:secret@example.test/a/b?token=x#f"),
            "https://example.test/a/b");
  EXPECT_EQ(redact_url("http://127.0.0.1:9000/bucket"), "http://127.0.0.1:9000/bucket");
  EXPECT_EQ(redact_url("http://h/p@q"), "http://h/p@q");  // an @ in the path is not user info
}

TEST(Send, RefusedConnectionIsATransportError) {
  Request r;
  r.url = "http://127.0.0.1:1/";  // port 1: nothing listens there
  r.connect_timeout_seconds = 2;
  EXPECT_THROW(send(r), TransportError);
}

}  // namespace pw::net
