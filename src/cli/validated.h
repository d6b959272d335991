// The checks `plan` and `export` make before they show or write a pipeline.
#pragma once

#include "pipeline/dag.h"
#include "pipeline/model.h"

namespace pw::cli {

// The pipeline's graph (pipeline::resolve), once every enabled stage has passed the built-in
// stages' validators. Throws ConfigError: the graph's, or one naming every stage diagnostic.
pipeline::Graph validated_graph(const pipeline::Pipeline& p);

}  // namespace pw::cli
