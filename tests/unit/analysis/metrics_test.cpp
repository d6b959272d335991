// Size metrics and both complexities on hand-written Python with values counted by hand from
// the rules in metrics.h (sonar-python's, plus the white paper's recursion and lambda nesting).
#include "analysis/metrics.h"

#include <gtest/gtest.h>

#include <string>

namespace pw::analysis {
namespace {

const FunctionMetrics* fn(const FileMetrics& m, const std::string& name) {
  for (const auto& f : m.function_list)
    if (f.name == name) return &f;
  return nullptr;
}

TEST(Metrics, LinesCodeCommentsAndDocstrings) {
  std::string src =
      "#!/usr/bin/env python3\n"         // 1 comment
      "\"\"\"Module docstring\n"         // 2 docstring
      "spanning lines.\"\"\"\n"          // 3 docstring
      "\n"                               // 4 blank
      "import os  # trailing comment\n"  // 5 code + comment
      "#\n"                              // 6 empty comment: not a comment line
      "# ------\n"                       // 7 no letter: not a comment line
      "class A:\n"                       // 8 code
      "    '''Class doc.'''\n"           // 9 docstring
      "    def f(self):\n"               // 10 code
      "        x = '''not a\n"           // 11 code (string in an assignment)
      "        docstring'''\n"           // 12 code
      "        return x\n";              // 13 code
  auto m = measure_source(src, "a.py");
  EXPECT_EQ(m.lines, 13);
  EXPECT_EQ(m.ncloc, 6);
  EXPECT_EQ(m.code_lines, (std::vector<int>{5, 8, 10, 11, 12, 13}));
  EXPECT_EQ(m.comment_lines, 5);  // 1, 2, 3, 5, 9
  EXPECT_EQ(m.classes, 1);
  EXPECT_EQ(m.functions, 1);
  // docstring x2, import, class, def, assignment, return
  EXPECT_EQ(m.statements, 7);
  ASSERT_NE(fn(m, "A.f"), nullptr);
  EXPECT_EQ(fn(m, "A.f")->line, 10);
  EXPECT_EQ(fn(m, "A.f")->end_line, 13);
}

TEST(Metrics, StatementsSplitOnSemicolonsAndInlineBodies) {
  auto m = measure_source(
      "a = 1; b = 2\n"
      "if a: b = 3; c = 4\n"
      "else: pass\n"
      "with open(x) as f:\n"
      "    pass\n"
      "try:\n"
      "    pass\n"
      "except E:\n"
      "    pass\n"
      "finally:\n"
      "    pass\n"
      "@dec\n"
      "async def g():\n"
      "    nonlocal q\n"
      "    await h()\n",
      "s.py");
  // a, b | if, b, c | pass | with:0, pass | try, pass | except, pass | finally:0, pass | def, await
  EXPECT_EQ(m.statements, 2 + 3 + 1 + 1 + 2 + 2 + 1 + 2);
  EXPECT_EQ(m.functions, 1);
}

TEST(Metrics, CyclomaticAsSonarPython) {
  std::string src =
      "def f(a, b):\n"                        // +1
      "    if a and b or not a:\n"            // +1 if, +2 and/or
      "        return [x for x in a if x]\n"  // +1 comprehension if
      "    elif b:\n"                         // elif: 0
      "        while a:\n"                    // +1
      "            a -= 1\n"
      "    else:\n"
      "        for i in b:\n"  // +1
      "            try:\n"
      "                pass\n"
      "            except E:\n"  // 0
      "                pass\n"
      "    return 1 if a else 2\n"  // +1
      "\n"
      "def g():\n"               // +1
      "    def inner(y):\n"      // +1 (own)
      "        return y or 0\n"  // +1 (inner's)
      "    return inner\n"
      "\n"
      "x = 1 if y else 2\n";  // module level +1
  auto m = measure_source(src, "c.py");
  ASSERT_EQ(m.function_list.size(), 3u);
  EXPECT_EQ(fn(m, "f")->cyclomatic, 8);
  EXPECT_EQ(fn(m, "g")->cyclomatic, 1);
  EXPECT_EQ(fn(m, "g.inner")->cyclomatic, 2);
  EXPECT_EQ(m.complexity, 8 + 1 + 2 + 1);
}

TEST(Metrics, CognitiveWhitePaperExample) {
  // The white paper's sumOfPrimes in Python: 7.
  std::string src =
      "def sum_of_primes(maximum):\n"
      "    total = 0\n"
      "    for i in range(1, maximum):\n"  // +1
      "        for j in range(2, i):\n"    // +2 (nesting 1)
      "            if i % j == 0:\n"       // +3 (nesting 2)
      "                continue\n"
      "        total += i\n"
      "    return total\n";
  auto m = measure_source(src, "p.py");
  EXPECT_EQ(fn(m, "sum_of_primes")->cognitive, 6);
  // The paper's Java version has `continue OUT` (+1 for a labelled jump), which Python lacks.
  std::string words =
      "def get_words(number):\n"
      "    match number:\n"  // +1
      "        case 1:\n"
      "            return 'one'\n"
      "        case 2:\n"
      "            return 'a couple'\n"
      "        case _:\n"
      "            return 'lots'\n";
  EXPECT_EQ(fn(measure_source(words, "w.py"), "get_words")->cognitive, 1);
}

TEST(Metrics, CognitiveIncrementsAndNesting) {
  std::string src =
      "def f(a, b, c):\n"
      "    if a:\n"            // +1
      "        if b and c:\n"  // +2 (nesting 1), +1 and
      "            pass\n"
      "        elif a or b and c:\n"  // +1 elif, +2 (or, and)
      "            pass\n"
      "        else:\n"  // +1
      "            pass\n"
      "    try:\n"                       // try adds no nesting
      "        while a:\n"               // +1
      "            x = a if b else c\n"  // +2 (nesting 1)
      "    except E:\n"                  // +1
      "        for i in a:\n"            // +2 (nesting 1)
      "            pass\n"
      "        else:\n"  // +1
      "            pass\n"
      "    with a:\n"
      "        if b:\n"  // +1 (with adds no nesting)
      "            pass\n"
      "    return f(a - 1, b, c)\n";  // +1 recursion
  auto m = measure_source(src, "g.py");
  EXPECT_EQ(fn(m, "f")->cognitive, 1 + 2 + 1 + 1 + 2 + 1 + 1 + 2 + 1 + 2 + 1 + 1 + 1);
  EXPECT_EQ(m.cognitive_complexity, fn(m, "f")->cognitive);
}

TEST(Metrics, CognitiveNestedFunctionsLambdasAndClasses) {
  std::string src =
      "def outer(xs):\n"
      "    if xs:\n"             // +1
      "        def inner(y):\n"  // nested def: nesting 1 + 1 = 2
      "            if y:\n"      // +3
      "                return y\n"
      "    key = lambda v: v if v else 0\n"  // ternary inside lambda: +2
      "    return sorted(xs, key=key)\n"
      "\n"
      "class K:\n"
      "    def m(self, n):\n"
      "        if n:\n"                     // +1 (methods start at 0)
      "            return self.m(n - 1)\n"  // +1 recursion through self
      "        return m(n)\n";              // a global m: not recursion
  auto m = measure_source(src, "n.py");
  EXPECT_EQ(fn(m, "outer")->cognitive, 1 + 3 + 2);
  EXPECT_EQ(fn(m, "outer.inner")->cognitive, 3);
  EXPECT_EQ(fn(m, "K.m")->cognitive, 2);
  EXPECT_EQ(m.cognitive_complexity, 8);
}

TEST(Metrics, BooleanSequencesRestartInBracketsAndArguments) {
  auto m = measure_source(
      "def f(a, b, c, d):\n"
      "    if a and b and c:\n"  // +1 if, +1
      "        pass\n"
      "    if a and (b or c):\n"  // +1 if, +1 and, +1 or
      "        pass\n"
      "    g(a and b, c and d)\n"        // +1, +1
      "    return a and not b and c\n",  // +1
      "b.py");
  EXPECT_EQ(fn(m, "f")->cognitive, 2 + 3 + 2 + 1);
  EXPECT_EQ(fn(m, "f")->cyclomatic, 1 + 2 + 2 + 2 + 2 + 2);
}

TEST(Metrics, BrokenCodeStillMeasuredWithErrors) {
  auto m = measure_source("def f(:\n    x = 'abc\n    return 1\n", "x.py");
  EXPECT_FALSE(m.errors.empty());
  EXPECT_EQ(m.errors[0].file, "x.py");
  EXPECT_EQ(m.functions, 1);
  EXPECT_EQ(m.lines, 3);
}

TEST(Metrics, Totals) {
  std::vector<FileMetrics> files = {measure_source("x = 1\n# a comment\n", "a.py"),
                                    measure_source("def f():\n    return 1\n", "b.py")};
  auto t = totals(files);
  EXPECT_EQ(t.files, 2);
  EXPECT_EQ(t.lines, 4);
  EXPECT_EQ(t.ncloc, 3);
  EXPECT_EQ(t.functions, 1);
  EXPECT_DOUBLE_EQ(t.comment_density(), 25.0);
}

}  // namespace
}  // namespace pw::analysis
