#include "stages/registry.h"

#include "stages/analysis.h"
#include "stages/checkout.h"
#include "stages/dependency_scan.h"
#include "stages/lock_check.h"
#include "stages/post.h"
#include "stages/quality.h"
#include "stages/tests.h"
#include "stages/preflight.h"
#include "stages/run_command.h"
#include "stages/setup_python.h"

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
  r.add("analysis", make<AnalysisStage>(), AnalysisStage::validate);
  r.add("quality-gate", make<QualityGateStage>(), QualityGateStage::validate);
  r.add("post", make<PostStage>(), PostStage::validate);
}

}  // namespace pw::stages
