// PEP 508 environment markers ("python_version < '3.11' and sys_platform == 'linux'"): parsed
// into a small AST so a requirement can be judged against a target environment (which Python,
// which platform) rather than the machine pipewright happens to run on.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "python/result.h"

namespace pw::python {

// Marker variable values by name ("python_version" -> "3.11"). "extra" defaults to "".
using MarkerEnvironment = std::map<std::string, std::string, std::less<>>;

enum class MarkerOp : uint8_t {
  less,
  less_equal,
  equal,
  not_equal,
  greater_equal,
  greater,
  compatible,
  arbitrary,
  in,
  not_in
};
std::string_view marker_op_str(MarkerOp op);

struct MarkerOperand {
  bool is_variable = false;
  // A variable's canonical name ("os.name" is stored as "os_name", "python_implementation" as
  // "platform_python_implementation"), or a literal's text without its quotes.
  std::string value;
};

struct MarkerNode {
  enum class Kind : uint8_t { compare, all_of /* and */, any_of /* or */ };
  Kind kind = Kind::compare;
  bool parenthesized = false;  // written inside ( ), kept so str() round-trips the grouping
  // Kind::compare
  MarkerOperand lhs;
  MarkerOp op = MarkerOp::equal;
  MarkerOperand rhs;
  // Kind::all_of / any_of: two or more operands. "and" binds tighter than "or".
  std::vector<MarkerNode> children;
};

class Marker {
 public:
  // The whole text must be one marker expression; a Failure's offset points into `text`.
  static Result<Marker> parse(std::string_view text);

  const MarkerNode& root() const { return root_; }
  // Canonical text: variables bare, literals in double quotes, single spaces:
  // python_version < "3.11" and (os_name == "posix" or extra == "test").
  std::string str() const;

  // Evaluates as packaging.markers does: when `op rhs` forms a version specifier and the left
  // value is a version, the comparison is PEP 440's (pre-releases allowed); otherwise it is a
  // string comparison ("in" is substring). Values compared with `extra` are name-normalized.
  // Fails on a variable missing from `env` (other than extra) or on ~= / === between
  // non-versions. Where packaging 23 raises on a left value that is not a version
  // (platform_release >= "5" on "5.10.0-26-amd64"), this falls back to string comparison as
  // later packaging releases do.
  Result<bool> evaluate(const MarkerEnvironment& env) const;

 private:
  MarkerNode root_;
};

// The marker variables PEP 508 defines, canonical spellings.
const std::vector<std::string_view>& marker_variables();

}  // namespace pw::python
