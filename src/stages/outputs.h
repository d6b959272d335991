// What one built-in stage hands to later ones, declared once as a type: image-build's image to
// image-scan and image-push, image-push's pushed image to deploy, package's files to the image
// and post, the test results to post and analysis. A producer publishes its output into its
// record (build.json keeps the same keys as before), a consumer reads the type; nobody reads
// another stage's JSON by key or its artifacts by file name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/stage.h"

namespace pw::stages {

// image-build: the image built in this build.
struct BuiltImage {
  std::string engine;    // docker or podman
  std::string image;     // the name
  std::string tag;       // <image>:<build>-<sha>
  std::string image_id;  // sha256:..., "" when the engine gave none
};

// image-push: what the registry holds now, and how it was reached.
struct PushedImage {
  std::string registry, repository, tag;
  std::string reference;  // registry/repository:tag
  std::string digest;     // sha256:..., "" when unknown (an older build's record)
  std::string engine;
  std::string credential;  // the credential id used for the login
  bool tls_verify = true;
  // The reference by digest when known, so every host pulls exactly the pushed bytes.
  std::string pinned() const;
};

// package: the distributions built and verified, relative to the workspace.
struct Packages {
  struct Dist {
    std::string file;  // dist/<name>
    std::string kind;  // wheel or sdist
    std::string name, version;
    int members = 0;
    std::uint64_t size = 0;
    std::string sha256;
    bool verified = false;
  };
  std::vector<Dist> dist;
  std::string name, version;  // the project's, as the wheel's metadata says
};

// tests: the counts of the JUnit report and the Cobertura coverage.
struct TestResults {
  int tests = 0, passed = 0, failed = 0, errors = 0, skipped = 0;
  double duration_s = 0;
  std::optional<double> coverage_percent;
};

void publish(engine::StageContext& ctx, const BuiltImage& out);
// Also writes artifacts/dockerhub_image.txt and image_digest.txt, the files the seed's
// consumers read and that `pipewright deploy --build N` finds in an older build folder.
void publish(engine::StageContext& ctx, const PushedImage& out);
void publish(engine::StageContext& ctx, const Packages& out);
void publish(engine::StageContext& ctx, const TestResults& out);

// This build's image-build output, else the tag an earlier run of the build recorded in
// artifacts/image_tag.txt (a re-run of one stage); nullopt when there is none.
std::optional<BuiltImage> built_image(const engine::StageContext& ctx);
// This build's image-push output, else the artifacts an earlier run left. nullopt: none pushed.
// Throws pw::Error when the recorded files are malformed.
std::optional<PushedImage> pushed_image(const engine::StageContext& ctx);
std::optional<Packages> packages(const engine::StageContext& ctx);
std::optional<TestResults> test_results(const engine::StageContext& ctx);

}  // namespace pw::stages
