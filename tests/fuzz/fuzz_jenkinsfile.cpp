// A Jenkinsfile through the Groovy reader and the Declarative model, then every use `pipewright
// jenkins` makes of a model that was read: the unsupported-step table, the credential ids, the
// run pipeline and the pipewright.yaml of `import jenkinsfile`.
#include "fuzz.h"
#include "jenkinsfile/declarative.h"
#include "jenkinsfile/translate.h"

PW_FUZZ_TARGET(text) {
  using namespace pw::jenkinsfile;
  Pipeline p = read_declarative(std::string(text), "Jenkinsfile");
  (void)dump(p);
  (void)unsupported_steps(p, false);
  (void)credential_ids(p);
  (void)to_run_pipeline(p, "Jenkinsfile", RunSettings{});
  (void)to_pipewright_yaml(p, "Jenkinsfile");
}
