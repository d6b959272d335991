// The subset of Groovy that declarative Jenkinsfiles are written in, read into a small syntax
// tree: calls with and without parentheses, named arguments, closures as blocks, lists, maps,
// every string form (GStrings keep their ${...} parts as expressions) and the operators that
// `when { expression { ... } }` uses. pipewright never runs Groovy: the tree is interpreted by
// the Declarative model (declarative.h), which names what it cannot take.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "util/error.h"

namespace pw::jenkinsfile {

struct Pos {
  int line = 0;  // 1-based
  int col = 0;
};

struct Node;
using NodePtr = std::shared_ptr<const Node>;

enum class Kind {
  string,   // a literal with no interpolation: text
  gstring,  // parts: literal text and ${...} expressions
  number,   // text as written
  boolean,  // text "true" / "false"
  null,
  ident,     // text: a bare name (any, scm, env, ...)
  property,  // target.text (env.BRANCH_NAME)
  index,     // target[items[0]]
  call,      // text(args) { closure }; target set for method calls (a.b(...))
  closure,   // items: statements; params: the names before ->
  list,      // items
  map,       // args: named entries
  binary,    // text: operator; items: the two operands
  unary,     // text: operator (! or -); items: the operand
  ternary,   // items: condition, then, else
  assign,    // items: target, value (only meaningful inside script {})
  decl,      // `def x = value`: text the name, items[0] the value (script {} only)
  keyword,   // return/new/... statements: text the keyword, items its operand (if any)
};

struct Arg {
  std::string name;  // empty: positional
  NodePtr value;
};

struct Part {
  bool is_expr = false;
  std::string text;  // literal text, or the expression's source
  NodePtr expr;
};

struct Node {
  Kind kind = Kind::null;
  Pos pos;
  std::string text;
  NodePtr target;
  std::vector<NodePtr> items;
  std::vector<Arg> args;
  std::vector<Part> parts;
  std::vector<std::string> params;
  NodePtr closure;      // a call's trailing closure
  bool parens = false;  // the call was written with parentheses

  // The literal text of a string, gstring without expressions, number or boolean; nullopt-like
  // "" with ok=false otherwise.
  bool literal(std::string& out) const;
  const Arg* named(const std::string& name) const;
  NodePtr positional(size_t i) const;
  size_t positional_count() const;
};

// The deepest nesting of blocks, lists and expressions the reader accepts: deeper input is an
// error with its location rather than a stack overflow.
inline constexpr int kMaxDepth = 256;

// Parses a whole file into its top-level statements (a closure node with pos 1:1). Throws
// ConfigError with file:line:col on the first syntax error.
NodePtr parse_groovy(const std::string& text, const std::string& file);

// Groovy's source form of a string literal (single-quoted, escaped), as export writes them.
std::string groovy_literal(const std::string& s);

}  // namespace pw::jenkinsfile
