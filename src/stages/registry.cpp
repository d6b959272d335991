#include "stages/registry.h"

#include "stages/analysis.h"
#include "stages/cache_policies.h"
#include "stages/checkout.h"
#include "stages/dependency_scan.h"
#include "stages/deploy.h"
#include "stages/image_build.h"
#include "stages/image_push.h"
#include "stages/image_scan.h"
#include "stages/jenkins_steps.h"
#include "stages/lock_check.h"
#include "stages/package.h"
#include "stages/post.h"
#include "stages/preflight.h"
#include "stages/quality.h"
#include "stages/run_command.h"
#include "stages/setup_python.h"
#include "stages/tests.h"
#include "stages/upload.h"

namespace pw::stages {

template <typename T>
static engine::StageRegistry::Factory make() {
  return [](const pipeline::StageSpec&) { return std::make_unique<T>(); };
}

void register_builtin_stages(engine::StageRegistry& r) {
  r.add("run", make<RunCommandStage>());
  r.add("checkout", make<CheckoutStage>(), {}, cache_policy("checkout"));
  r.add("preflight", make<PreflightStage>(), PreflightStage::validate, cache_policy("preflight"));
  r.add("setup-python", make<SetupPythonStage>(), SetupPythonStage::validate,
        cache_policy("setup-python"));
  r.add("lock-check", make<LockCheckStage>(), LockCheckStage::validate, cache_policy("lock-check"));
  r.add("tests", make<TestsStage>(), {}, cache_policy("tests"));
  for (const auto& id : quality_substages())
    r.add(id, make<QualityToolStage>(), {}, cache_policy(id));
  r.add("quality", make<QualityStage>(), {}, cache_policy("quality"));
  r.add("dependency-scan", make<DependencyScanStage>(), DependencyScanStage::validate,
        cache_policy("dependency-scan"));
  r.add("image-scan", make<ImageScanStage>(), {}, cache_policy("image-scan"));
  r.add("analysis", make<AnalysisStage>(), AnalysisStage::validate, cache_policy("analysis"));
  r.add("quality-gate", make<QualityGateStage>(), QualityGateStage::validate,
        cache_policy("quality-gate"));
  r.add("package", make<PackageStage>(), {}, cache_policy("package"));
  r.add("image-build", make<ImageBuildStage>(), ImageBuildStage::validate,
        cache_policy("image-build"));
  r.add("image-push", make<ImagePushStage>(), ImagePushStage::validate, cache_policy("image-push"));
  r.add("upload", make<UploadStage>(), UploadStage::validate, cache_policy("upload"));
  r.add("deploy", make<DeployStage>(), DeployStage::validate, cache_policy("deploy"));
  // A Jenkinsfile's pipeline-level post is the post stage too, with its steps interpreted.
  r.add(
      "post",
      [](const pipeline::StageSpec& s) -> std::unique_ptr<engine::Stage> {
        if (s.setting("jenkinsfile")) return std::make_unique<JenkinsStage>();
        return std::make_unique<PostStage>();
      },
      [](const pipeline::StageSpec& s, const pipeline::Pipeline& p, std::vector<Diagnostic>& d) {
        if (s.setting("jenkinsfile")) JenkinsStage::validate(s, p, d);
      });
  r.add("jenkins", make<JenkinsStage>(), JenkinsStage::validate);  // steps: never cached
}

}  // namespace pw::stages
