// The Declarative model of Jenkins' pipeline-model-definition plugin (its ast-schema.json):
// pipeline, agent, environment, options, parameters, stages (sequential, parallel, matrix),
// when, post. Built from the Groovy tree and checked as the plugin's validator checks it, with
// every problem at file:line:col. Steps stay Groovy call nodes: steps.h interprets them.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jenkinsfile/groovy.h"
#include "util/duration.h"
#include "util/error.h"

namespace pw::jenkinsfile {

struct Agent {
  std::string type;  // "" (not given), none, any, label, docker, dockerfile, node
  std::string label;
  std::string image;       // docker
  std::string args;        // docker/dockerfile run args
  std::string dockerfile;  // dockerfile: file name ("Dockerfile")
  std::string dir;         // dockerfile: context folder
  std::string additional_build_args;
  bool reuse_node = false;
  Pos pos;
  bool container() const { return type == "docker" || type == "dockerfile"; }
};

struct EnvEntry {
  std::string name;
  NodePtr value;           // a string, GString or call
  std::string credential;  // credentials('id'): the id
  Pos pos;
};

struct Options {
  std::optional<Millis> timeout;
  Pos timeout_pos;
  int retry = 0;
  bool timestamps = false;
  bool skip_default_checkout = false;
  bool disable_concurrent = false;
  bool fail_fast = false;  // parallelsAlwaysFailFast
  bool quiet_period = false;
  std::vector<std::string> notes;  // options read but with no effect here (buildDiscarder, ...)
};

struct Parameter {
  std::string type;  // string, text, booleanParam, choice, password
  std::string name;
  std::string default_value;
  std::string description;
  std::vector<std::string> choices;
  Pos pos;
};

struct WhenCondition {
  std::string kind;  // branch, environment, changeset, expression, not, allOf, anyOf, equals,
                     // tag, buildingTag, changeRequest, triggeredBy
  std::string pattern;
  std::string comparator = "GLOB";  // GLOB, REGEXP, EQUALS
  std::string name, value;          // environment name/value
  bool case_insensitive = false;
  NodePtr expr;  // expression: the closure; equals: expected/actual
  NodePtr actual;
  std::vector<WhenCondition> children;
  Pos pos;
};

struct When {
  std::vector<WhenCondition> conditions;  // all must hold
  bool before_agent = false;
  bool before_input = false;
  bool before_options = false;
  Pos pos;
  bool empty() const { return conditions.empty(); }
};

// post { always { ... } failure { ... } }: condition -> steps, in the order written.
struct Post {
  std::vector<std::pair<std::string, NodePtr>> conditions;  // closure nodes
  Pos pos;
  bool empty() const { return conditions.empty(); }
};

struct Stage;

struct MatrixAxis {
  std::string name;
  std::vector<std::string> values;
};

struct MatrixExclude {
  // axis name -> (values, notValues)
  std::vector<std::tuple<std::string, std::vector<std::string>, bool>> axes;
};

struct Matrix {
  std::vector<MatrixAxis> axes;
  std::vector<MatrixExclude> excludes;
  std::vector<Stage> stages;
  Pos pos;
};

struct Stage {
  std::string name;
  Pos pos;
  Agent agent;
  std::vector<EnvEntry> environment;
  Options options;
  Pos options_pos;
  When when;
  NodePtr steps;                // the steps closure; null when the stage has stages/parallel/matrix
  std::vector<Stage> stages;    // sequential children
  std::vector<Stage> parallel;  // parallel children
  std::shared_ptr<Matrix> matrix;
  bool fail_fast = false;
  Post post;
  std::vector<std::string> tools;
  NodePtr input;  // input directive: unsupported when running without a terminal
};

struct Pipeline {
  std::string file;
  Agent agent;
  std::vector<EnvEntry> environment;
  Options options;
  std::vector<Parameter> parameters;
  std::vector<Stage> stages;
  Post post;
  std::vector<std::string> notes;  // triggers, tools, libraries... that do not carry over
  Pos pos;
  // Read from a scripted pipeline (scripted.cpp): steps are Groovy statements as in script { },
  // variables live for the whole build, and there is no implicit checkout.
  bool scripted = false;
};

// Reads a Jenkinsfile's text. Throws ConfigError with every problem found (file:line:col):
// syntax errors, a scripted pipeline, unknown sections with the closest valid one, and the
// validator's invalid-pipeline cases.
Pipeline read_declarative(const std::string& text, const std::string& file);
Pipeline read_declarative_file(const std::string& path);

// A scripted pipeline (`node { stage('x') { ... } }`) read into the same model: each stage(...)
// { } a stage, in order; wrappers around stages (node, withEnv, dir, ...) wrapped around each
// stage's steps; statements between stages run at the start of the next stage; try's catch and
// finally as the pipeline's post failure and always; if around stages as when expression;
// parallel(...) as a stage's parallel branches. Throws ConfigError with every problem found.
Pipeline read_scripted(const NodePtr& root, const std::string& file);
// Whether the file's top-level statements are a scripted pipeline: no pipeline { } block, and a
// stage or node somewhere at the top level.
bool is_scripted(const NodePtr& root);

// The model as JSON-like text, for golden files and `plan --jenkinsfile --model`.
std::string dump(const Pipeline& p);
// A Groovy node back as source text (for messages, golden files and export).
std::string to_source(const NodePtr& n);

// Stage names as a path ("Build/Unit tests") and the stage they name, for the stage runner.
const Stage* find_stage(const Pipeline& p, const std::vector<int>& path);

}  // namespace pw::jenkinsfile
