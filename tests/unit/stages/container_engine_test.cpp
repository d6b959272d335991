// image-build's and image-push's pure rules: image names as registries accept them, and which
// failed login or push is worth a retry.
#include "stages/container_engine.h"

#include <gtest/gtest.h>

#include "stages/image_push.h"

namespace pw::stages {
namespace {

TEST(ImageName, FromProjectNames) {
  EXPECT_EQ(image_name_from("python-app"), "python-app");
  EXPECT_EQ(image_name_from("My App_2"), "my-app_2");
  EXPECT_EQ(image_name_from("-Weird.Name-"), "weird.name");
  EXPECT_EQ(image_name_from("!!!"), "");
}

TEST(ImageName, Validity) {
  EXPECT_TRUE(valid_image_name("python-app"));
  EXPECT_TRUE(valid_image_name("ci/demo-app"));
  EXPECT_TRUE(valid_image_name("127.0.0.1:5000/ci/demo_app"));
  EXPECT_TRUE(valid_image_name("localhost/app"));
  EXPECT_FALSE(valid_image_name("Upper"));
  EXPECT_FALSE(valid_image_name("app:tag"));  // a tag is not part of the name
  EXPECT_FALSE(valid_image_name("ci//app"));
  EXPECT_FALSE(valid_image_name("-app"));
  EXPECT_FALSE(valid_image_name(""));
}

TEST(PushOutput, WrongPasswordIsNotRetried) {
  EXPECT_EQ(
      classify_push_output("Error: logging into \"127.0.0.1:5000\": invalid username/password"),
      PushProblem::auth);
  EXPECT_EQ(
      classify_push_output("Error response from daemon: Get \"https://registry-1.docker.io/v2/\": "
                           "unauthorized: incorrect username or password"),
      PushProblem::auth);
  EXPECT_EQ(classify_push_output("denied: requested access to the resource is denied"),
            PushProblem::auth);
}

TEST(PushOutput, NetworkErrorsAreRetried) {
  EXPECT_EQ(classify_push_output("dial tcp 127.0.0.1:9: connect: connection refused"),
            PushProblem::network);
  EXPECT_EQ(classify_push_output("net/http: TLS handshake timeout"), PushProblem::network);
  EXPECT_EQ(classify_push_output("received unexpected HTTP status: 503 Service Unavailable"),
            PushProblem::network);
  EXPECT_EQ(classify_push_output("Error: manifest unknown"), PushProblem::other);
}

TEST(EngineErrors, KeepsTheEnginesOwnLines) {
  std::vector<std::string> tail = {"STEP 1/3: FROM base", "STEP 2/3: COPY x/ /opt/",
                                   "Error: building at STEP \"COPY x/ /opt/\": no such file"};
  EXPECT_EQ(engine_error_lines(tail), "Error: building at STEP \"COPY x/ /opt/\": no such file");
  EXPECT_EQ(engine_error_lines({"something odd", ""}), "something odd");
}

}  // namespace
}  // namespace pw::stages
