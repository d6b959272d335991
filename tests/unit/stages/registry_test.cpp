// Every built-in kind of the settings table has a stage registered by its own file (a stage file
// the linker dropped, or one that forgot its BuiltinStage, would make its kind unknown at run
// time).
#include "stages/registry.h"

#include <gtest/gtest.h>

#include "pipeline/settings.h"
#include "util/strings.h"

namespace pw::stages {
namespace {

TEST(Registry, EveryKindOfTheSettingsTableIsRegistered) {
  engine::StageRegistry registry;
  register_builtin_stages(registry);
  size_t kinds = 0;
  for (const auto& k : pipeline::builtin_kinds()) {
    EXPECT_TRUE(registry.has(k.kind)) << k.kind << " has a settings row but no registered stage";
    ++kinds;
  }
  EXPECT_GT(kinds, 20u);
  EXPECT_TRUE(registry.has("jenkins"));  // a Jenkinsfile's stages, no settings row of its own
}

// Each kind's cache policy, as its file registers it: what the stage cache keys on and restores
// (engine/stage_cache.h). A policy that changes here changes which builds reuse a result.
std::string describe(const engine::CachePolicy& p, const std::string& kind) {
  pipeline::StageSpec spec;
  spec.id = spec.kind = kind;
  pipeline::Pipeline pipeline;
  pipeline.project.package = "src/app/";
  pipeline.project.tests = "tests";
  std::string s = p.cacheable ? "cacheable" : "runs";
  if (p.applies) {
    s += std::string(" applies:") + (p.applies(spec) ? "yes" : "no");
    spec.settings.push_back({"sonar", YAML::Node("x"), {}});
    s += std::string("/sonar:") + (p.applies(spec) ? "yes" : "no");
    spec.settings.clear();
  }
  if (!p.reads_tree) s += " tree:no";
  if (p.inputs) s += " inputs:" + join(p.inputs(spec, pipeline), ",");
  if (!p.outputs.empty()) s += " outputs:" + join(p.outputs, ",");
  if (p.extra) s += " extra";
  if (p.result) s += " result";
  return s;
}

TEST(Registry, EachKindsCachePolicy) {
  engine::StageRegistry registry;
  register_builtin_stages(registry);
  std::string all;
  for (const auto& k : pipeline::builtin_kinds())
    all += k.kind + ": " + describe(registry.cache_policy(k.kind), k.kind) + "\n";
  const std::string deps =
      "**/*.txt,**/*.in,**/pyproject.toml,**/setup.cfg,**/setup.py,**/*.lock,**/Pipfile,**/"
      "pylock*.toml,**/tox.ini,**/noxfile.py";
  const std::string conf =
      "pyproject.toml,setup.cfg,tox.ini,.flake8,.pylintrc,pylintrc,mypy.ini,.mypy.ini,.bandit,ruff."
      "toml,.ruff.toml,.editorconfig,pyrightconfig.json";
  EXPECT_EQ(all,
            std::string() + "checkout: runs result\n" + "preflight: runs\n" +
                "setup-python: runs result\n" + "lock-check: cacheable inputs:" + deps + "\n" +
                "tests: cacheable outputs:reports/report.xml,reports/coverage.xml\n" +
                "lint: cacheable inputs:" + conf +
                ",src/app,src/app/**,tests,tests/** outputs:reports/quality/{id}.sarif extra\n" +
                "format-ruff: cacheable inputs:" + conf +
                ",src/app,src/app/**,tests,tests/** outputs:reports/quality/{id}.sarif extra\n" +
                "format-black: cacheable inputs:" + conf +
                ",src/app,src/app/**,tests,tests/** outputs:reports/quality/{id}.sarif extra\n" +
                "typecheck: cacheable inputs:" + conf +
                ",src/app,src/app/** outputs:reports/quality/{id}.sarif extra\n" +
                "security-lint: cacheable inputs:" + conf +
                ",src/app,src/app/** outputs:reports/quality/{id}.sarif extra\n" +
                "audit: cacheable inputs:** outputs:reports/quality/{id}.sarif extra\n" +
                "quality: cacheable tree:no outputs:reports/quality.sarif\n" +
                "dependency-scan: cacheable inputs:" + deps +
                ",pipewright-ignore.yaml "
                "outputs:reports/dependency-scan.json,reports/dependency-check-report.json,reports/"
                "dependency-check-report.xml,reports/dependency-scan.sarif,reports/"
                "sbom.cdx.json,artifacts/dependency-check/** extra\n" +
                "analysis: cacheable applies:yes/sonar:no "
                "outputs:reports/analysis.json,reports/sonar-external-issues.json extra\n" +
                "quality-gate: cacheable tree:no outputs:reports/quality-gate.json\n" +
                "upload: runs\n" + "deploy: runs\n" +
                "package: cacheable outputs:workspace/dist/**\n" + "image-build: runs\n" +
                "image-scan: runs\n" + "image-push: runs\n" + "post: runs\n");
}

}  // namespace
}  // namespace pw::stages
