// Duplicated code across files, found on tokens the way SonarQube's copy-paste detection (CPD)
// does for Python, so "duplicated lines (%)" on new code can be gated like Sonar way does.
//
// SonarQube's definition (metric definitions, "Duplicated blocks", non-Java languages): at least
// 100 successive duplicated tokens spread over at least 10 lines of code; differences in
// indentation and in string literals are ignored. Hence the defaults below, and the normalisation:
//  - COMMENT, NL, NEWLINE, INDENT and DEDENT tokens are dropped (layout and comments never make
//    or break a duplicate);
//  - every STRING becomes one placeholder (literal text differences ignored, as Sonar says);
//  - names, keywords, numbers and operators are kept as written, so renaming a variable makes
//    code distinct (Sonar's Python CPD keeps identifiers too).
// A block's lines are counted as the distinct lines its tokens start on.
#pragma once

#include <string>
#include <vector>

#include "analysis/tokenizer.h"

namespace pw::analysis {

struct DuplicationOptions {
  int min_tokens = 100;  // sonar.cpd.python.minimumTokens's default
  int min_lines = 10;    // SonarQube's minimum for languages other than Java, COBOL, ABAP
};

// One file to compare: its path and its tokens (not copied; must outlive the call).
struct TokenizedFile {
  std::string path;
  const Tokenized* tokens = nullptr;
};

struct BlockLocation {
  std::string file;
  int start_line = 0;
  int end_line = 0;  // inclusive
  bool operator==(const BlockLocation&) const = default;
};

// Two places holding the same code. `first` comes earlier in the input order (or earlier in the
// same file). Maximal: neither end can be extended by one more equal token.
struct DuplicatedBlock {
  BlockLocation first;
  BlockLocation second;
  int tokens = 0;
  int lines = 0;  // lines of code the tokens of one side start on
};

struct FileDuplication {
  std::string path;
  int lines = 0;                      // physical lines of the file
  int duplicated_blocks = 0;          // blocks with a side in this file
  std::vector<int> duplicated_lines;  // ascending physical lines inside a block side
  double density() const;             // duplicated lines / lines * 100 (0 for an empty file)
};

struct DuplicationResult {
  std::vector<DuplicatedBlock> blocks;  // ordered by first.file (input order), first.start_line
  std::vector<FileDuplication> files;   // one per input file, in input order
  long long lines = 0;
  long long duplicated_lines = 0;
  int duplicated_blocks = 0;  // block sides, as Sonar counts "duplicated blocks"
  int duplicated_files = 0;
  double density() const;  // duplicated_lines / lines * 100
};

// Rolling hash over windows of min_tokens normalised tokens; equal windows are verified token by
// token and extended to maximal blocks, each alignment reported once. At most 64 earlier
// occurrences of a window are tried, so code repeated thousands of times stays linear.
DuplicationResult find_duplication(const std::vector<TokenizedFile>& files,
                                   const DuplicationOptions& options = {});

}  // namespace pw::analysis
