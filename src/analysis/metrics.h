// Size and complexity metrics of one Python file, computed from its tokens the way SonarQube's
// Python analyzer (sonar-python) computes them, so the figures and the gate read like Sonar's.
//
// Rules, and where they come from:
//  - lines: physical lines. ncloc (lines of code): lines holding at least one token other than
//    COMMENT, NL, NEWLINE, INDENT, DEDENT, ENDMARKER; a multi-line string covers all its lines.
//    Docstrings (a string statement first in the module, a class or a def) are NOT code but
//    comment lines, as sonar-python's FileLinesVisitor does.
//  - comment_lines: lines with a '#' comment holding at least one letter or digit (a bare "#" or
//    "# ----" is not a comment line), plus docstring lines.
//  - statements: as sonar-python counts them: each simple statement (split on ';'; `nonlocal`
//    excepted) and the compound headers if, elif, for, while, try, except, class, def. Not with,
//    else, finally, match, case, decorators.
//  - functions: def and async def, methods and nested ones included (lambdas not). classes: class.
//  - cyclomatic complexity (sonar-python's ComplexityVisitor): +1 per def, if (not elif), for,
//    while, conditional expression (x if c else y), `and`/`or` operator, comprehension `if`. Not
//    elif, else, except, case, comprehension `for`. A function's value excludes the functions
//    nested in it (they have their own); the file's value is everything in the file, module
//    level included.
//  - cognitive complexity (SonarSource's white paper as sonar-python implements it):
//      +1 plus the nesting level: if, for, while, except, conditional expression, match;
//      +1 flat: elif, else (of if, for, while and try alike), each sequence of like boolean
//        operators (`a and b and c` +1, `a and b or c` +2; brackets start a new sequence);
//      nesting +1 inside the bodies of if, elif, else, for, while, except, case, inside
//        conditional expressions, and in a function nested in a function (the nested function's
//        increments count in the outer one too, as in the white paper); a method or top-level
//        function starts at 0, a class resets to 0; try, finally, with add no nesting.
//      Two additions from the white paper that sonar-python leaves out, because the brief asks
//      for the paper: +1 per recursive call (the function's own name called, or self./cls.name
//      in a method), and nesting +1 inside a lambda's body.
//    Token-level approximation: a conditional expression's nesting covers its condition and else
//    branch (from `if` to the end of the enclosing expression), which is exact for chained
//    `a if x else b if y else c` and for the usual one-level case.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analysis/tokenizer.h"
#include "util/error.h"

namespace pw::analysis {

struct FunctionMetrics {
  std::string name;  // qualified by its classes and functions: "Parser.parse", "outer.inner"
  int line = 0;      // the def line (decorators not included)
  int end_line = 0;  // last line of its body
  int cyclomatic = 0;
  int cognitive = 0;

  bool operator==(const FunctionMetrics&) const = default;
};

struct FileMetrics {
  std::string path;
  int lines = 0;
  int ncloc = 0;
  int comment_lines = 0;
  int statements = 0;
  int functions = 0;
  int classes = 0;
  int complexity = 0;                          // cyclomatic, whole file
  int cognitive_complexity = 0;                // whole file
  std::vector<FunctionMetrics> function_list;  // in source order
  std::vector<int> code_lines;     // the ncloc lines, ascending (duplication and new code use them)
  std::vector<Diagnostic> errors;  // tokenizer errors; the metrics still count what was read
};

// From an already tokenized file (duplication reuses the tokens).
FileMetrics measure(const Tokenized& tokenized, std::string_view path);
// Tokenizes and measures.
FileMetrics measure_source(std::string_view source, std::string_view path);

// Sums over files: what the project's "overall" figures are.
struct MetricsTotals {
  int files = 0;
  long long lines = 0;
  long long ncloc = 0;
  long long comment_lines = 0;
  long long statements = 0;
  long long functions = 0;
  long long classes = 0;
  long long complexity = 0;
  long long cognitive_complexity = 0;
  // Sonar's comment density: comment lines / (ncloc + comment lines) * 100; 0 for no lines.
  double comment_density() const;
};

MetricsTotals totals(const std::vector<FileMetrics>& files);

}  // namespace pw::analysis
