// The tokenizer on tricky Python: every literal form, f-strings with nested quotes and braces,
// logical vs physical lines, indentation, and broken input that must give a Diagnostic.
#include "analysis/tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pw::analysis {
namespace {

using T = TokenType;

std::vector<std::pair<T, std::string>> kinds(std::string_view src) {
  std::vector<std::pair<T, std::string>> out;
  auto r = tokenize(src);
  for (const Token& t : r.tokens) out.emplace_back(t.type, std::string(r.text(t)));
  return out;
}

std::vector<T> types(std::string_view src) {
  std::vector<T> out;
  for (const Token& t : tokenize(src).tokens) out.push_back(t.type);
  return out;
}

TEST(Tokenizer, SimpleStatementWithPositions) {
  auto r = tokenize("x = 1\n");
  ASSERT_TRUE(r.errors.empty());
  ASSERT_EQ(r.tokens.size(), 5u);
  EXPECT_EQ(r.tokens[0].type, T::NAME);
  EXPECT_EQ(r.tokens[1].type, T::OP);
  EXPECT_EQ(r.tokens[1].col, 2);
  EXPECT_EQ(r.tokens[2].type, T::NUMBER);
  EXPECT_EQ(r.tokens[2].col, 4);
  EXPECT_EQ(r.tokens[2].end_col, 5);
  EXPECT_EQ(r.tokens[3].type, T::NEWLINE);
  EXPECT_EQ(r.tokens[4].type, T::ENDMARKER);
  EXPECT_EQ(r.lines, 1);
}

TEST(Tokenizer, NumbersInAllForms) {
  for (std::string n :
       {"0", "123", "1_000_000", "0x_FF", "0XdeadBEEF", "0o17", "0O1_7", "0b1010", "0B1_0", "3.14",
        "10.", ".5", "1e10", "1E-5", "1_0.2_5e+1_0", "1j", "3.5J", "1e3j", "0_0"}) {
    std::string src = n + "\n";  // tokens view into it
    auto r = tokenize(src);
    ASSERT_TRUE(r.errors.empty()) << n << ": " << r.errors[0].str();
    EXPECT_EQ(r.tokens[0].type, T::NUMBER) << n;
    EXPECT_EQ(r.text(r.tokens[0]), n);
  }
  for (std::string bad : {"0x", "1__0", "1_", "0b102"}) {
    auto r = tokenize(bad + "\n");
    EXPECT_FALSE(r.errors.empty()) << bad;
  }
}

TEST(Tokenizer, StringPrefixesInAnyCase) {
  for (std::string s : {"'a'",     "\"a\"",  "r'\\d'", "R'x'",  "b'x'",   "B\"x\"", "u'x'",
                        "U'x'",    "f'{x}'", "F'x'",   "rb'x'", "bR'x'",  "Rb'x'",  "BR'x'",
                        "fr'{x}'", "Rf'x'",  "rF'x'",  "FR'x'", "r'\\''", "'\\''",  "b'\\x00'"}) {
    std::string src = s + "\n";
    auto r = tokenize(src);
    ASSERT_TRUE(r.errors.empty()) << s;
    ASSERT_EQ(r.tokens[0].type, T::STRING) << s;
    EXPECT_EQ(r.text(r.tokens[0]), s);
  }
  // Not a prefix: a name followed by a string.
  auto k = kinds("ub'x'\n");
  EXPECT_EQ(k[0], std::make_pair(T::NAME, std::string("ub")));
  EXPECT_EQ(k[1].first, T::STRING);
}

TEST(Tokenizer, TripleQuotedStringSpansLines) {
  auto r = tokenize("s = '''one\ntwo ' '' \"\"\"\nthree'''\nx\n");
  ASSERT_TRUE(r.errors.empty());
  const Token& s = r.tokens[2];
  EXPECT_EQ(s.type, T::STRING);
  EXPECT_EQ(s.line, 1);
  EXPECT_EQ(s.end_line, 3);
  EXPECT_EQ(s.end_col, 8);
  EXPECT_EQ(r.tokens[3].type, T::NEWLINE);
  EXPECT_EQ(r.text(r.tokens[4]), "x");
  EXPECT_EQ(r.tokens[4].line, 4);
}

TEST(Tokenizer, FStringsAreOneTokenWithNestedQuotesAndBraces) {
  for (std::string s : {
           "f'{x}'",
           "f\"{d['key']}\"",
           "f'{d[\"a\"]!r:>{width}}'",
           "f'{{literal}} {x}'",
           "f'{ {\"a\": 1}[\"a\"] }'",
           "f\"{f'{y:{z}}'}\"",
           "f'{x:=10}'",
           "f\"{'}'}\"",
           "f'{a[\"}\"]}'",
           "f'{\"nested\" + f\"{\"deeper\"}\"}'",  // 3.12: same quotes inside
           "f'\\N{BULLET} {x}'",
           "rf'\\{x}'",
           "f'''{\nx\n}'''",
           "f'{x!r}'",
           "f'{x=}'",
       }) {
    std::string src = s + " + 1\n";
    auto r = tokenize(src);
    ASSERT_TRUE(r.errors.empty()) << s << ": " << r.errors[0].str();
    ASSERT_GE(r.tokens.size(), 4u);
    EXPECT_EQ(r.tokens[0].type, T::STRING) << s;
    EXPECT_EQ(r.text(r.tokens[0]), s);
    EXPECT_EQ(r.text(r.tokens[1]), "+") << s;
  }
}

TEST(Tokenizer, NewlineVersusNlInBracketsAndContinuations) {
  auto t = types("x = (1,\n     2)\ny = 1 + \\\n    2\n\n# c\n");
  std::vector<T> want = {T::NAME, T::OP,      T::OP, T::NUMBER,   T::OP,
                         T::NL,   T::NUMBER,  T::OP, T::NEWLINE,  T::NAME,
                         T::OP,   T::NUMBER,  T::OP, T::NUMBER,   T::NEWLINE,
                         T::NL,   T::COMMENT, T::NL, T::ENDMARKER};
  EXPECT_EQ(t, want);
}

TEST(Tokenizer, IndentDedentAndDecorators) {
  std::string src =
      "@decorator(arg)\n"
      "def f(a):\n"
      "    if a:\n"
      "        return 1\n"
      "\n"
      "    # comment at another indent\n"
      "    return 2\n"
      "x = f\n";
  auto r = tokenize(src);
  ASSERT_TRUE(r.errors.empty());
  std::vector<T> t;
  for (auto& tok : r.tokens) t.push_back(tok.type);
  EXPECT_EQ(r.text(r.tokens[0]), "@");
  EXPECT_EQ(r.tokens[0].type, T::OP);
  int indents = 0, dedents = 0;
  for (auto x : t) indents += x == T::INDENT, dedents += x == T::DEDENT;
  EXPECT_EQ(indents, 2);
  EXPECT_EQ(dedents, 2);
  // one dedent at `return 2`, one right before `x`
  for (size_t i = 0; i < r.tokens.size(); ++i)
    if (r.text(r.tokens[i]) == "x") {
      EXPECT_EQ(r.tokens[i - 1].type, T::DEDENT);
      EXPECT_EQ(r.tokens[i - 2].type, T::NEWLINE);
    }
}

TEST(Tokenizer, EofWithoutNewlineClosesEverything) {
  auto t = types("if x:\n    y");
  std::vector<T> want = {T::NAME, T::NAME,    T::OP,     T::NEWLINE,  T::INDENT,
                         T::NAME, T::NEWLINE, T::DEDENT, T::ENDMARKER};
  EXPECT_EQ(t, want);
  EXPECT_EQ(tokenize("if x:\n    y").lines, 2);
  EXPECT_EQ(tokenize("").lines, 0);
  EXPECT_EQ(tokenize("").tokens.size(), 1u);
}

TEST(Tokenizer, OperatorsLongestMatch) {
  auto k = kinds("a **= b // c -> d := e ... f != g @ h @= i\n");
  std::vector<std::string> ops;
  for (auto& [t, s] : k)
    if (t == T::OP) ops.push_back(s);
  EXPECT_EQ(ops, (std::vector<std::string>{"**=", "//", "->", ":=", "...", "!=", "@", "@="}));
}

TEST(Tokenizer, ColumnsCountCodePoints) {
  auto r = tokenize("s = 'é' + x\n");
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.text(r.tokens[3]), "+");
  EXPECT_EQ(r.tokens[3].col, 8);
}

TEST(Tokenizer, ColumnsOnAsciiLinesAfterANonAsciiLine) {
  // A file with one non-ASCII byte counts code points on every line; an all-ASCII file takes byte
  // offsets. Both must give tokenize's columns, here on the line after the 'é' as well.
  auto r = tokenize("a = 'é'\n  b = c\n");
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.tokens[2].col, 4);
  EXPECT_EQ(r.tokens[2].end_col, 7);
  bool saw_c = false;
  for (const Token& t : r.tokens)
    if (r.text(t) == "c") {
      saw_c = true;
      EXPECT_EQ(t.col, 6);
      EXPECT_EQ(t.line, 2);
    }
  EXPECT_TRUE(saw_c);
}

TEST(Tokenizer, CrLfNewlineEndsTwoColumnsLater) {
  // tokenize: NEWLINE '\r\n' at (1, 5) ends at (1, 7); a blank CRLF line's NL likewise.
  auto r = tokenize("x = 1\r\n\r\ny\r\n");
  ASSERT_TRUE(r.errors.empty());
  ASSERT_EQ(r.tokens[3].type, T::NEWLINE);
  EXPECT_EQ(r.tokens[3].col, 5);
  EXPECT_EQ(r.tokens[3].end_col, 7);
  ASSERT_EQ(r.tokens[4].type, T::NL);
  EXPECT_EQ(r.tokens[4].line, 2);
  EXPECT_EQ(r.tokens[4].end_col, 2);
  EXPECT_EQ(r.lines, 3);
}

TEST(Tokenizer, UnterminatedStringIsDiagnosedAndTokenizingGoesOn) {
  auto r = tokenize("x = 'abc\ny = 2\n", "m.py");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].str(), "m.py:1:5: unterminated string literal (detected at line 1)");
  bool saw_y = false;
  for (auto& t : r.tokens) saw_y |= r.text(t) == "y" && t.line == 2;
  EXPECT_TRUE(saw_y);
}

TEST(Tokenizer, UnterminatedTripleQuoteAndFString) {
  auto r = tokenize("x = '''abc\n\ny\n", "m.py");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 1);
  EXPECT_NE(r.errors[0].message.find("triple-quoted"), std::string::npos);
  EXPECT_EQ(r.tokens.back().type, T::ENDMARKER);

  auto f = tokenize("x = f'{a\ny = 1\n");
  ASSERT_FALSE(f.errors.empty());
  bool saw_y = false;
  for (auto& t : f.tokens) saw_y |= f.text(t) == "y" && t.line == 2;
  EXPECT_TRUE(saw_y);
}

TEST(Tokenizer, BadDedentIsDiagnosed) {
  auto r = tokenize("if x:\n        a\n    b\n", "m.py");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_EQ(r.errors[0].col, 5);
  EXPECT_NE(r.errors[0].message.find("unindent"), std::string::npos);
}

TEST(Tokenizer, InvalidUtf8AndStrayCharacters) {
  auto r = tokenize("x = 1\ny = '\xff'\n", "m.py");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 2);
  EXPECT_EQ(r.errors[0].col, 6);
  EXPECT_NE(r.errors[0].message.find("UTF-8"), std::string::npos);

  auto s = tokenize("a = $b ? c\n");
  EXPECT_EQ(s.errors.size(), 2u);
  auto u = tokenize("a = (1]\n)");  // unmatched closer
  EXPECT_FALSE(u.errors.empty());
  auto e = tokenize("foo(1,\n");
  ASSERT_EQ(e.errors.size(), 1u);
  EXPECT_NE(e.errors[0].message.find("EOF"), std::string::npos);
}

TEST(Tokenizer, NeverHangsOrCrashesOnGarbage) {
  // Every prefix of a tricky source, and some random bytes: must terminate with ENDMARKER.
  std::string src =
      "@d\nasync def f(x=f'{a[\"b\"]:{c}}', *, y=r'''\\\n'''):\n\tif x: return 0x1_f\n";
  for (size_t n = 0; n <= src.size(); ++n) {
    auto r = tokenize(src.substr(0, n));
    ASSERT_FALSE(r.tokens.empty());
    EXPECT_EQ(r.tokens.back().type, T::ENDMARKER);
  }
  unsigned seed = 12345;
  for (int round = 0; round < 300; ++round) {
    std::string junk;
    for (int i = 0; i < 200; ++i) {
      seed = seed * 1103515245 + 12345;
      const char alphabet[] = "'\"{}()[]\\\n\r\t #:fbrx0_.=\xc3\xa9\xff";
      junk += alphabet[(seed >> 16) % (sizeof alphabet - 1)];
    }
    auto r = tokenize(junk);
    ASSERT_EQ(r.tokens.back().type, T::ENDMARKER);
  }
  std::string deep(5000, '(');
  EXPECT_EQ(tokenize(deep).tokens.back().type, T::ENDMARKER);
  std::string deepf = "x";
  for (int i = 0; i < 200; ++i) deepf = "f'{" + deepf + "}'";
  EXPECT_FALSE(tokenize(deepf).errors.empty());
}

TEST(Tokenizer, CrlfLineEndingsAndBom) {
  auto r = tokenize("\xEF\xBB\xBFx = 1\r\nif x:\r\n    y\r\n");
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.text(r.tokens[0]), "x");
  EXPECT_EQ(r.tokens[0].col, 0);
  EXPECT_EQ(r.lines, 3);
}

}  // namespace
}  // namespace pw::analysis

namespace pw::analysis {
namespace {

TEST(Tokenizer, BlankAndCommentLinesDoNotHideTheNextIndentation) {
  auto r = tokenize("def f():\n    x\n\n# c\ndef g():\n    y\n");
  ASSERT_TRUE(r.errors.empty());
  for (size_t i = 0; i < r.tokens.size(); ++i) {
    if (r.text(r.tokens[i]) == "def" && r.tokens[i].line == 5) {
      EXPECT_EQ(r.tokens[i - 1].type, TokenType::DEDENT);
    }
  }
}

}  // namespace
}  // namespace pw::analysis
