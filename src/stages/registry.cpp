#include "stages/registry.h"

#include "stages/analysis.h"
#include "stages/checkout.h"
#include "stages/dependency_scan.h"
#include "stages/image_scan.h"
#include "stages/image_build.h"
#include "stages/image_push.h"
#include "stages/jenkins_steps.h"
#include "stages/deploy.h"
#include "stages/lock_check.h"
#include "stages/package.h"
#include "stages/post.h"
#include "stages/quality.h"
#include "stages/tests.h"
#include "stages/preflight.h"
#include "stages/run_command.h"
#include "stages/setup_python.h"
#include "stages/upload.h"

namespace pw::stages {

template <typename T>
static engine::StageRegistry::Factory make() {
  return [](const pipeline::StageSpec&) { return std::make_unique<T>(); };
}

void register_builtin_stages(engine::StageRegistry& r) {
  r.add("run", make<RunCommandStage>());
  r.add("checkout", make<CheckoutStage>(), CheckoutStage::validate);
  r.add("preflight", make<PreflightStage>(), PreflightStage::validate);
  r.add("setup-python", make<SetupPythonStage>(), SetupPythonStage::validate);
  r.add("lock-check", make<LockCheckStage>(), LockCheckStage::validate);
  r.add("tests", make<TestsStage>(), TestsStage::validate);
  for (const auto& id : quality_substages())
    r.add(id, make<QualityToolStage>(), QualityToolStage::validate);
  r.add("quality", make<QualityStage>());
  r.add("dependency-scan", make<DependencyScanStage>(), DependencyScanStage::validate);
  r.add("image-scan", make<ImageScanStage>(), ImageScanStage::validate);
  r.add("analysis", make<AnalysisStage>(), AnalysisStage::validate);
  r.add("quality-gate", make<QualityGateStage>(), QualityGateStage::validate);
  r.add("package", make<PackageStage>(), PackageStage::validate);
  r.add("image-build", make<ImageBuildStage>(), ImageBuildStage::validate);
  r.add("image-push", make<ImagePushStage>(), ImagePushStage::validate);
  r.add("upload", make<UploadStage>(), UploadStage::validate);
  r.add("deploy", make<DeployStage>(), DeployStage::validate);
  // A Jenkinsfile's pipeline-level post is the post stage too, with its steps interpreted.
  r.add("post",
        [](const pipeline::StageSpec& s) -> std::unique_ptr<engine::Stage> {
          if (s.setting("jenkinsfile")) return std::make_unique<JenkinsStage>();
          return std::make_unique<PostStage>();
        },
        [](const pipeline::StageSpec& s, const pipeline::Pipeline& p, std::vector<Diagnostic>& d) {
          if (s.setting("jenkinsfile")) JenkinsStage::validate(s, p, d);
          else PostStage::validate(s, p, d);
        });
  r.add("jenkins", make<JenkinsStage>(), JenkinsStage::validate);
}

}  // namespace pw::stages
