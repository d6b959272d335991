// pipewright.yaml through the loader, over the built-in default pipeline, as `run` reads it.
#include "fuzz.h"
#include "pipeline/default_pipeline_text.h"
#include "pipeline/loader.h"

PW_FUZZ_TARGET(text) {
  (void)pw::pipeline::load_pipeline_text(pw::pipeline::kDefaultPipelineYaml, std::string(text));
}
