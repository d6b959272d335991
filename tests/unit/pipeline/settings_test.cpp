// The settings table: every type's conversion and error, defaults, credentials, the generated
// docs/settings.md being current.
#include "pipeline/settings.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "pipeline/builtins.h"
#include "pipeline/default_pipeline_text.h"
#include "pipeline/loader.h"
#include "util/fs.h"

namespace pw::pipeline {

namespace {

Pipeline load(const std::string& user) { return load_pipeline_text(kDefaultPipelineYaml, user); }

// The diagnostics of one stage's settings, joined.
std::string errors_of(const std::string& user, const std::string& stage) {
  auto p = load(user);
  std::vector<Diagnostic> diags;
  resolve_settings(*p.find(stage), &diags);
  return join_diagnostics(diags);
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(Settings, DefaultsComeFromTheTableInItsOrder) {
  auto p = load("");
  const StageSpec* up = p.find("upload");
  ASSERT_NE(up, nullptr);
  ASSERT_EQ(up->settings.size(), 3u);
  EXPECT_EQ(up->settings[0].key, "attempts");
  EXPECT_EQ(up->settings[2].key, "part_size");
  auto s = resolve_settings(*up);
  EXPECT_EQ(s.integer("attempts"), 5);
  EXPECT_EQ(s.integer("concurrency"), 8);
  EXPECT_EQ(s.size("part_size"), 16ull << 20);
  EXPECT_TRUE(s.find("part_size")->from_default);
  EXPECT_FALSE(s.has("s3"));
}

TEST(Settings, AFileOverridesADefaultInPlaceAndSaysWhere) {
  auto p = load("stages:\n  upload:\n    concurrency: 3\n");
  const StageSpec* up = p.find("upload");
  EXPECT_EQ(up->settings[1].key, "concurrency");
  auto s = resolve_settings(*up);
  EXPECT_EQ(s.integer("concurrency"), 3);
  const SettingValue* v = s.find("concurrency");
  EXPECT_FALSE(v->from_default);
  EXPECT_EQ(v->where.line, 3);
  EXPECT_EQ(v->where.col, 18);
}

TEST(Settings, EveryTypeConverts) {
  auto p = load(R"(stages:
  tests:
    fail_under: 80.5%
    pytest_args: -x
  dependency-scan:
    max_age: 2h
  image-build:
    build_args: {A: "1", B: }
  image-push:
    tls_verify: no
  quality-gate:
    small_changeset_lines: 0
  analysis:
    sonar: {host_url: "http://x", token: sonar-token}
)");
  auto t = resolve_settings(*p.find("tests"));
  EXPECT_DOUBLE_EQ(*t.percentage("fail_under"), 80.5);
  EXPECT_EQ(t.list("pytest_args"), std::vector<std::string>{"-x"});
  EXPECT_EQ(resolve_settings(*p.find("dependency-scan")).duration("max_age"), Millis(7200000));
  auto b = resolve_settings(*p.find("image-build"));
  ASSERT_EQ(b.map("build_args").size(), 2u);
  EXPECT_EQ(b.map("build_args")[1], (std::pair<std::string, std::string>{"B", ""}));
  EXPECT_EQ(b.text("engine"), "auto");
  EXPECT_FALSE(resolve_settings(*p.find("image-push")).flag("tls_verify", true));
  EXPECT_EQ(resolve_settings(*p.find("quality-gate")).integer("small_changeset_lines", 9), 0);
  auto analysis = resolve_settings(*p.find("analysis"));  // structured() points into it
  const YAML::Node* sonar = analysis.structured("sonar");
  ASSERT_NE(sonar, nullptr);
  EXPECT_EQ((*sonar)["token"].Scalar(), "sonar-token");
}

TEST(Settings, EveryTypeRejectsWithFileLineAndColumn) {
  EXPECT_TRUE(
      has(errors_of("stages:\n  tests:\n    fail_under: \"\"\n", "tests"),
          "pipewright.yaml:3:17: stage 'tests' fail_under must be a percentage from 0 to 100"));
  EXPECT_TRUE(has(errors_of("stages:\n  tests:\n    fail_under: 101\n", "tests"), "percentage"));
  EXPECT_TRUE(has(errors_of("stages:\n  tests:\n    coverage: maybe\n", "tests"),
                  "stage 'tests' coverage must be true or false"));
  EXPECT_TRUE(has(errors_of("stages:\n  upload:\n    concurrency: 0\n", "upload"),
                  "concurrency must be a whole number from 1 to 64"));
  EXPECT_TRUE(has(errors_of("stages:\n  upload:\n    attempts: 2x\n", "upload"),
                  "attempts must be a whole number from 1 to 20"));
  EXPECT_TRUE(has(errors_of("stages:\n  upload:\n    part_size: 1MiB\n", "upload"),
                  "part_size must be a size from 5MiB to 5GiB"));
  EXPECT_TRUE(has(errors_of("stages:\n  upload:\n    part_size: 16 parsecs\n", "upload"),
                  "part_size must be a size"));
  EXPECT_TRUE(has(errors_of("stages:\n  analysis:\n    min_tokens: 0\n", "analysis"),
                  "min_tokens must be a whole number, at least 1"));
  EXPECT_TRUE(has(errors_of("stages:\n  dependency-scan:\n    max_age: soon\n", "dependency-scan"),
                  "max_age must be a duration"));
  std::string e = errors_of("stages:\n  image-build:\n    engine: podmn\n", "image-build");
  EXPECT_TRUE(has(e, "engine must be auto, docker or podman, not 'podmn'; did you mean 'podman'?"))
      << e;
  EXPECT_TRUE(has(errors_of("stages:\n  tests:\n    pytest_args: [[-x]]\n", "tests"),
                  "pytest_args must list plain values"));
  EXPECT_TRUE(has(errors_of("stages:\n  image-build:\n    build_args: [A]\n", "image-build"),
                  "build_args must be a mapping of NAME: value"));
  EXPECT_TRUE(has(errors_of("stages:\n  image-push:\n    credential: \"\"\n", "image-push"),
                  "credential must name a credential id"));
  EXPECT_TRUE(has(errors_of("stages:\n  checkout:\n    repo: [a, b]\n", "checkout"),
                  "repo must be a single value"));
}

TEST(Settings, WithoutDiagnosticsAProblemThrowsConfigError) {
  auto p = load("stages:\n  tests:\n    fail_under: \"\"\n");
  EXPECT_THROW(resolve_settings(*p.find("tests")), ConfigError);
}

TEST(Settings, AnEmptyValueMeansTheDefault) {
  auto p = load("stages:\n  post:\n    archive:\n");
  EXPECT_EQ(resolve_settings(*p.find("post")).list("archive"), std::vector<std::string>{"dist/*"});
}

TEST(Settings, ReadingARowAsAnotherTypeIsAProgrammingError) {
  auto s = resolve_settings(*load("").find("upload"));
  EXPECT_THROW(s.flag("concurrency"), Error);
}

TEST(Settings, CredentialsAreDeclaredWithTheirFields) {
  auto s = resolve_settings(*load("").find("image-push"));
  auto creds = s.credentials();
  ASSERT_EQ(creds.size(), 1u);
  EXPECT_EQ(creds[0].first, "dockerhub");
  EXPECT_EQ(creds[0].second, (std::vector<std::string>{"username", "password"}));
  auto up =
      resolve_settings(*load("stages:\n  upload:\n    credential: aws-prod\n").find("upload"));
  ASSERT_EQ(up.credentials().size(), 1u);
  EXPECT_EQ(up.credentials()[0].second[0], "access_key_id");
}

TEST(Settings, EveryDefaultFitsItsRow) {
  for (const auto& kind : builtin_kinds())
    for (const auto& row : kind.settings) {
      if (row.default_yaml.empty()) continue;
      StageSpec spec;
      spec.id = spec.kind = kind.kind;
      std::vector<Diagnostic> diags;
      auto s = resolve_settings(spec, &diags);
      EXPECT_TRUE(diags.empty()) << kind.kind << "." << row.name;
      EXPECT_TRUE(s.has(row.name)) << kind.kind << "." << row.name;
    }
}

TEST(Settings, RunStagesHaveNone) {
  auto p = load("stages:\n  a:\n    run: 'true'\n");
  EXPECT_TRUE(resolve_settings(*p.find("a")).values().empty());
}

// docs/settings.md is generated from the table; PW_UPDATE_GOLDEN=1 rewrites it.
TEST(Settings, DocsAreCurrent) {
  std::filesystem::path doc = std::filesystem::path(PW_SOURCE_DIR) / "docs/settings.md";
  std::string text = settings_markdown();
  if (std::getenv("PW_UPDATE_GOLDEN")) write_file_atomic(doc, text);
  ASSERT_TRUE(std::filesystem::exists(doc)) << doc << ": run with PW_UPDATE_GOLDEN=1";
  EXPECT_EQ(read_file(doc), text)
      << "docs/settings.md is stale: run PW_UPDATE_GOLDEN=1 "
         "build/tests/test_pipeline --gtest_filter=Settings.DocsAreCurrent";
}

}  // namespace pw::pipeline
