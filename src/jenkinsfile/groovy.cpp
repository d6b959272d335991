// A hand-written lexer and recursive-descent parser for the Groovy of declarative Jenkinsfiles.
// Newlines end a statement unless a bracket is open or an operator asks for more, as in Groovy;
// a slash starts a slashy string where a value is expected and divides after one.
#include "jenkinsfile/groovy.h"

#include <cstring>
#include <optional>

#include "util/numbers.h"

namespace pw::jenkinsfile {

bool Node::literal(std::string& out) const {
  switch (kind) {
    case Kind::string:
    case Kind::number:
    case Kind::boolean:
      out = text;
      return true;
    case Kind::gstring:
      out.clear();
      for (const auto& p : parts) {
        if (p.is_expr) return false;
        out += p.text;
      }
      return true;
    default:
      return false;
  }
}

const Arg* Node::named(const std::string& name) const {
  for (const auto& a : args)
    if (a.name == name) return &a;
  return nullptr;
}

NodePtr Node::positional(size_t i) const {
  for (const auto& a : args)
    if (a.name.empty() && i-- == 0) return a.value;
  return nullptr;
}

size_t Node::positional_count() const {
  size_t n = 0;
  for (const auto& a : args) n += a.name.empty();
  return n;
}

std::string groovy_literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    switch (c) {
      case '\'':
        out += "\\'";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  return out + "'";
}

namespace {

enum class T { ident, number, string, gstring, punct, newline, eof };

struct Token {
  T type = T::eof;
  std::string text;           // ident name, number, string value, punctuation
  std::vector<Part> parts;    // gstring
  std::vector<Pos> part_pos;  // where each expression part starts
  Pos pos;
};

class Lexer {
 public:
  Lexer(const std::string& text, const std::string& file, Pos start, size_t begin, size_t end)
      : s_(text), file_(file), i_(begin), end_(end), line_(start.line), col_(start.col) {}

  Token next(bool value_expected) {
    skip_space_and_comments();
    Token t;
    t.pos = {line_, col_};
    if (i_ >= end_) return t;
    char c = s_[i_];
    if (c == '\n') {
      advance();
      t.type = T::newline;
      return t;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
        (c == '$' && !(peek(1) == '/'))) {
      size_t b = i_;
      while (i_ < end_ &&
             (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '$'))
        advance();
      t.type = T::ident;
      t.text = s_.substr(b, i_ - b);
      return t;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t b = i_;
      while (i_ < end_ && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' ||
                           (s_[i_] == '.' && i_ + 1 < end_ &&
                            std::isdigit(static_cast<unsigned char>(s_[i_ + 1])))))
        advance();
      t.type = T::number;
      t.text = s_.substr(b, i_ - b);
      return t;
    }
    if (c == '\'') return quoted(t, '\'', starts("'''"));
    if (c == '"') return quoted(t, '"', starts("\"\"\""));
    if (c == '/' && value_expected && peek(1) != '/' && peek(1) != '*') return slashy(t);
    if (c == '$' && peek(1) == '/') return dollar_slashy(t);
    static const char* ops[] = {"==~", "<=>", "?.", "?:", "==", "!=", "<=", ">=", "&&", "||",
                                "=~",  "->",  "++", "--", "+=", "-=", "*.", "<<", "**"};
    for (const char* op : ops) {
      if (starts(op)) {
        for (size_t k = 0; k < std::strlen(op); ++k) advance();
        t.type = T::punct;
        t.text = op;
        return t;
      }
    }
    if (std::strchr("{}()[],:;.=<>!+-*/%?&|^~@", c)) {
      advance();
      t.type = T::punct;
      t.text = std::string(1, c);
      return t;
    }
    fail(t.pos, std::string("unexpected character '") + c + "'");
  }

  [[noreturn]] void fail(Pos p, const std::string& msg) const {
    throw ConfigError(std::vector<Diagnostic>{{file_, p.line, p.col, msg}});
  }

 private:
  char peek(size_t k) const { return i_ + k < end_ ? s_[i_ + k] : '\0'; }
  bool starts(const char* p) const {
    size_t n = std::strlen(p);
    return i_ + n <= end_ && s_.compare(i_, n, p) == 0;
  }
  void advance() {
    if (s_[i_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++i_;
  }

  void skip_space_and_comments() {
    while (i_ < end_) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
        advance();
      } else if (c == '\\' && peek(1) == '\n') {  // line continuation
        advance();
        advance();
      } else if (starts("//") || (i_ == 0 && starts("#!"))) {
        while (i_ < end_ && s_[i_] != '\n') advance();
      } else if (starts("/*")) {
        Pos p{line_, col_};
        advance();
        advance();
        while (i_ < end_ && !starts("*/")) advance();
        if (i_ >= end_) fail(p, "unterminated comment /* (no closing */)");
        advance();
        advance();
      } else {
        break;
      }
    }
  }

  // Reads an escape after '\' into out.
  void escape(std::string& out) {
    Pos p{line_, col_};
    advance();  // the backslash
    if (i_ >= end_) fail(p, "a backslash at the end of the file");
    char e = s_[i_];
    advance();
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case '0':
        out += '\0';
        break;
      case '\n':
        break;  // continuation inside a string
      case 'u': {
        unsigned cp = 0;
        for (int k = 0; k < 4; ++k) {
          if (i_ >= end_ || !std::isxdigit(static_cast<unsigned char>(s_[i_])))
            fail(p, "\\u needs four hex digits");
          cp = cp * 16 + static_cast<unsigned>(*parse_uint(std::string_view(&s_[i_], 1), 15, 16));
          advance();
        }
        if (cp < 0x80) {
          out += char(cp);
        } else if (cp < 0x800) {
          out += char(0xC0 | (cp >> 6));
          out += char(0x80 | (cp & 0x3F));
        } else {
          out += char(0xE0 | (cp >> 12));
          out += char(0x80 | ((cp >> 6) & 0x3F));
          out += char(0x80 | (cp & 0x3F));
        }
        break;
      }
      default:
        out += e;  // \\ \' \" \$ and anything else stand for themselves
    }
  }

  // ${ ... } : the expression's source up to the matching brace (strings inside skipped).
  void interpolation(Token& t, std::string& lit) {
    flush(t, lit);
    advance();  // $
    advance();  // {
    Pos p{line_, col_};
    size_t b = i_;
    int depth = 1;
    while (i_ < end_) {
      char c = s_[i_];
      if (c == '{')
        ++depth;
      else if (c == '}' && --depth == 0)
        break;
      else if (c == '\'' || c == '"') {
        char q = c;
        advance();
        while (i_ < end_ && s_[i_] != q) {
          if (s_[i_] == '\\') advance();
          if (i_ < end_) advance();
        }
      }
      if (i_ < end_) advance();
    }
    if (i_ >= end_) fail(p, "unterminated ${ in a string (no closing })");
    t.parts.push_back({true, s_.substr(b, i_ - b), nullptr});
    t.part_pos.push_back(p);
    advance();  // }
  }

  // $name or $name.name.name
  void dollar_name(Token& t, std::string& lit) {
    flush(t, lit);
    advance();  // $
    Pos p{line_, col_};
    size_t b = i_;
    auto ident = [&] {
      while (i_ < end_ && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_'))
        advance();
    };
    ident();
    while (i_ + 1 < end_ && s_[i_] == '.' &&
           (std::isalpha(static_cast<unsigned char>(s_[i_ + 1])) || s_[i_ + 1] == '_')) {
      advance();
      ident();
    }
    t.parts.push_back({true, s_.substr(b, i_ - b), nullptr});
    t.part_pos.push_back(p);
  }

  void flush(Token& t, std::string& lit) {
    if (!lit.empty()) t.parts.push_back({false, lit, nullptr});
    t.part_pos.push_back({});
    if (!lit.empty())
      lit.clear();
    else
      t.part_pos.pop_back();
  }

  Token& quoted(Token& t, char q, bool triple) {
    Pos start = t.pos;
    int n = triple ? 3 : 1;
    for (int k = 0; k < n; ++k) advance();
    std::string lit;
    bool interpolate = q == '"';
    const std::string close(n, q);
    while (true) {
      if (i_ >= end_ || (!triple && s_[i_] == '\n'))
        fail(start, triple ? "unterminated triple-quoted string (no closing " + close + ")"
                           : "unterminated string (no closing " + close + " on this line)");
      if (starts(close.c_str())) break;
      char c = s_[i_];
      if (c == '\\') {
        escape(lit);
      } else if (interpolate && c == '$' && peek(1) == '{') {
        interpolation(t, lit);
      } else if (interpolate && c == '$' &&
                 (std::isalpha(static_cast<unsigned char>(peek(1))) || peek(1) == '_')) {
        dollar_name(t, lit);
      } else {
        lit += c;
        advance();
      }
    }
    for (int k = 0; k < n; ++k) advance();
    return finish(t, lit);
  }

  Token& finish(Token& t, std::string& lit) {
    bool has_expr = false;
    for (const auto& p : t.parts) has_expr |= p.is_expr;
    if (!has_expr) {
      std::string all;
      for (const auto& p : t.parts) all += p.text;
      t.type = T::string;
      t.text = all + lit;
      t.parts.clear();
      t.part_pos.clear();
      return t;
    }
    flush(t, lit);
    t.type = T::gstring;
    return t;
  }

  Token& slashy(Token& t) {
    Pos start = t.pos;
    advance();
    std::string lit;
    while (true) {
      if (i_ >= end_) fail(start, "unterminated slashy string (no closing /)");
      char c = s_[i_];
      if (c == '/') break;
      if (c == '\\' && peek(1) == '/') {
        lit += '/';
        advance();
        advance();
      } else if (c == '$' && peek(1) == '{') {
        interpolation(t, lit);
      } else {
        lit += c;
        advance();
      }
    }
    advance();
    return finish(t, lit);
  }

  Token& dollar_slashy(Token& t) {
    Pos start = t.pos;
    advance();
    advance();
    std::string lit;
    while (true) {
      if (i_ >= end_) fail(start, "unterminated dollar-slashy string (no closing /$)");
      if (starts("/$")) break;
      if (starts("$$") || starts("$/")) {
        advance();
        lit += s_[i_];
        advance();
      } else if (starts("${")) {
        interpolation(t, lit);
      } else {
        lit += s_[i_];
        advance();
      }
    }
    advance();
    advance();
    return finish(t, lit);
  }

  const std::string& s_;
  const std::string& file_;
  size_t i_;
  size_t end_;
  int line_;
  int col_;
};

bool value_token(const Token& t) {
  if (t.type == T::ident || t.type == T::number || t.type == T::string || t.type == T::gstring)
    return true;
  return t.type == T::punct && (t.text == ")" || t.text == "]");
}

class Parser {
 public:
  Parser(const std::string& text, const std::string& file, Pos start, size_t begin, size_t end,
         int depth)
      : text_(text), file_(file), lex_(text, file, start, begin, end), depth_(depth) {
    cur_ = lex_.next(true);
    nxt_ = lex_.next(value_token(cur_) ? false : true);
  }

  NodePtr file() {
    auto n = std::make_shared<Node>();
    n->kind = Kind::closure;
    n->pos = {1, 1};
    statements(*n, nullptr);
    if (cur_.type != T::eof) fail(cur_.pos, "unexpected '" + cur_.text + "'");
    return n;
  }

  NodePtr whole_expression() {
    skip_newlines();
    auto e = expr();
    skip_newlines();
    if (cur_.type != T::eof) fail(cur_.pos, "unexpected '" + describe(cur_) + "' in ${...}");
    return e;
  }

 private:
  struct Depth {
    Parser& p;
    Depth(Parser& p, Pos pos) : p(p) {
      if (++p.depth_ > kMaxDepth)
        p.fail(pos, "nesting deeper than " + std::to_string(kMaxDepth) +
                        " levels (blocks, lists or expressions inside one another)");
    }
    ~Depth() { --p.depth_; }
  };

  [[noreturn]] void fail(Pos p, const std::string& msg) { lex_.fail(p, msg); }

  static std::string describe(const Token& t) {
    switch (t.type) {
      case T::eof:
        return "end of file";
      case T::newline:
        return "end of line";
      case T::string:
      case T::gstring:
        return "string";
      default:
        return t.text;
    }
  }

  void advance() {
    after_brace_ = cur_.type == T::punct && cur_.text == "}";
    cur_ = std::move(nxt_);
    nxt_ = lex_.next(!value_token(cur_));
  }
  bool is(const char* p) const { return cur_.type == T::punct && cur_.text == p; }
  bool is_ident(const char* w) const { return cur_.type == T::ident && cur_.text == w; }
  void expect(const char* p, const char* context) {
    if (!is(p))
      fail(cur_.pos, std::string("expected '") + p + "' " + context + ", found " + describe(cur_));
    advance();
  }
  void skip_newlines() {
    while (cur_.type == T::newline) advance();
  }

  std::shared_ptr<Node> make(Kind k, Pos p, std::string text = {}) {
    auto n = std::make_shared<Node>();
    n->kind = k;
    n->pos = p;
    n->text = std::move(text);
    return n;
  }

  // Statements up to the closing brace (not consumed) or end of input.
  void statements(Node& block, const Token* open) {
    while (true) {
      while (cur_.type == T::newline || is(";")) advance();
      if (cur_.type == T::eof) {
        if (open)
          fail(open->pos,
               "this '{' is never closed (unbalanced braces: expected '}' before the end of the "
               "file)");
        return;
      }
      if (is("}")) {
        if (!open) fail(cur_.pos, "unexpected '}' (unbalanced braces: nothing to close here)");
        return;
      }
      block.items.push_back(statement());
      if (!(cur_.type == T::newline || is(";") || is("}") || cur_.type == T::eof || after_brace_))
        fail(cur_.pos,
             "unexpected " + describe(cur_) +
                 " after a statement (one statement per line, or separate them with ';')");
    }
  }

  NodePtr block_closure() {
    Token open = cur_;
    Depth d(*this, open.pos);
    expect("{", "to open a block");
    auto n = std::make_shared<Node>();
    n->kind = Kind::closure;
    n->pos = open.pos;
    // Closure parameters: { a, b -> ... }
    if (cur_.type == T::ident &&
        (nxt_.type == T::punct && (nxt_.text == "->" || nxt_.text == ","))) {
      while (cur_.type == T::ident) {
        n->params.push_back(cur_.text);
        advance();
        if (is(",")) advance();
      }
      expect("->", "after the closure's parameters");
    } else if (is("->")) {
      advance();
    }
    statements(*n, &open);
    expect("}", "to close the block");
    return n;
  }

  // Keyword statements pipewright never runs but must read (inside script {}): their parts
  // are kept so the step interpreter can name them.
  NodePtr control(const std::string& kw) {
    auto n = make(Kind::keyword, cur_.pos, kw);
    advance();
    skip_newlines_if_paren();
    if (is("(")) {
      advance();
      skip_newlines();
      if (kw == "for" || kw == "catch" || kw == "switch") {
        skip_balanced(n->pos);  // for (x in y): read, never run
      } else if (!is(")")) {
        n->items.push_back(expr());
        skip_newlines();
      }
      expect(")", "to close the condition");
    }
    body(*n);
    // else / else if / catch (...) / finally continue the statement.
    while (nxt_is_continuation()) {
      skip_newlines();
      std::string k = cur_.text;
      advance();
      if (k == "else" && is_ident("if")) {
        n->items.push_back(control("if"));
        return n;
      }
      // params name each body after the first ("else", "catch e", "finally"), so a try's
      // clauses can be told apart: a scripted pipeline's finally becomes a post block.
      std::string clause = k;
      if (k == "catch") {
        expect("(", "after catch");
        std::string var;
        while (!is(")") && cur_.type != T::eof) {
          if (cur_.type == T::ident) var = cur_.text;  // catch (Exception e): the last name
          if (is("(")) break;
          advance();
        }
        if (is("(")) skip_balanced(n->pos);
        expect(")", "to close catch (...)");
        clause += " " + var;
      }
      n->params.push_back(clause);
      body(*n);
    }
    return n;
  }
  void skip_balanced(Pos where) {
    int depth = 1;
    while (true) {
      if (cur_.type == T::eof) fail(where, "unbalanced parentheses");
      if (is("(")) ++depth;
      if (is(")") && --depth == 0) return;
      advance();
    }
  }
  void skip_newlines_if_paren() {
    if (cur_.type == T::newline && nxt_.type == T::punct && nxt_.text == "(") advance();
  }
  void body(Node& n) {
    skip_newlines_if_brace();
    if (is("{"))
      n.items.push_back(block_closure());
    else
      n.items.push_back(statement());
  }
  bool nxt_is_continuation() {
    auto kw = [](const Token& t) {
      return t.type == T::ident && (t.text == "else" || t.text == "catch" || t.text == "finally");
    };
    if (kw(cur_)) return true;
    return cur_.type == T::newline && kw(nxt_);
  }
  void skip_newlines_if_brace() {
    if (cur_.type == T::newline && nxt_.type == T::punct && nxt_.text == "{") advance();
  }

  NodePtr statement() {
    Depth d(*this, cur_.pos);
    if (cur_.type == T::ident) {
      const std::string& w = cur_.text;
      if (w == "if" || w == "for" || w == "while" || w == "try" || w == "switch" ||
          w == "synchronized")
        return control(w);
      if (w == "return" || w == "throw") {
        auto n = make(Kind::keyword, cur_.pos, w);
        advance();
        if (!(cur_.type == T::newline || is(";") || is("}") || cur_.type == T::eof))
          n->items.push_back(expr());
        return n;
      }
      if (w == "break" || w == "continue") {
        auto n = make(Kind::keyword, cur_.pos, w);
        advance();
        return n;
      }
      if (w == "import" || w == "package") {
        auto n = make(Kind::keyword, cur_.pos, w);
        while (!(cur_.type == T::newline || is(";") || cur_.type == T::eof)) advance();
        return n;
      }
      if (w == "def" || w == "final" ||
          ((w == "String" || w == "int" || w == "boolean" || w == "List" || w == "Map") &&
           nxt_.type == T::ident)) {
        auto n = make(Kind::decl, cur_.pos);
        advance();
        if (cur_.type == T::ident && nxt_.type == T::ident) advance();  // def String x
        if (cur_.type != T::ident) fail(cur_.pos, "expected a name after '" + w + "'");
        n->text = cur_.text;
        advance();
        if (is("("))
          fail(n->pos,
               "method definitions (def " + n->text +
                   "(...) { }) are Groovy that pipewright does not run: write their steps in the "
                   "stages that call them, or as an sh script");
        if (is("=")) {
          advance();
          skip_newlines();
          n->items.push_back(expr());
        }
        return n;
      }
    }
    if (cur_.type == T::punct && cur_.text == "@") {  // @Library('x') _
      auto n = make(Kind::keyword, cur_.pos, "@");
      advance();
      auto a = postfix(primary());
      n->items.push_back(a);
      if (cur_.type == T::ident && cur_.text == "_") advance();
      return n;
    }
    auto e = expr();
    // A command call: a name followed by arguments without parentheses (sh 'make', agent any,
    // timeout time: 5, unit: 'MINUTES').
    if ((e->kind == Kind::ident || e->kind == Kind::property) && starts_argument()) {
      auto call = make(Kind::call, e->pos, e->text);
      if (e->kind == Kind::property) call->target = e->target;
      arguments(*call, nullptr);
      if (is("{")) call->closure = block_closure();
      e = call;
    } else if (e->kind == Kind::call && e->parens && !e->closure && starts_argument() &&
               cur_.type != T::punct) {
      // buildDiscarder logRotator(...) is handled by expr(); `foo(a) b` is Groovy's chained
      // command form, which declarative never needs.
      fail(cur_.pos, "unexpected " + describe(cur_) + " after a call");
    }
    if (is("=") || is("+=") || is("-=")) {
      auto n = make(Kind::assign, cur_.pos, cur_.text);
      advance();
      skip_newlines();
      n->items = {e, expr()};
      return n;
    }
    return e;
  }

  bool starts_argument() const {
    switch (cur_.type) {
      case T::string:
      case T::gstring:
      case T::number:
        return true;
      case T::ident:
        return cur_.text != "in" && cur_.text != "instanceof" && cur_.text != "as";
      case T::punct:
        return cur_.text == "[" || cur_.text == "!" || cur_.text == "-";
      default:
        return false;
    }
  }

  // Arguments separated by commas until `close` (")" or "]") or, without one, the end of the line.
  void arguments(Node& call, const char* close) {
    while (true) {
      if (close) skip_newlines();
      if (close && is(close)) return;
      Arg a;
      if ((cur_.type == T::ident || cur_.type == T::string || cur_.type == T::number) &&
          nxt_.type == T::punct && nxt_.text == ":") {
        a.name = cur_.text;
        advance();
        advance();
        skip_newlines();
      }
      a.value = expr();
      call.args.push_back(std::move(a));
      if (close) skip_newlines();
      if (!is(",")) return;
      advance();
      skip_newlines();
    }
  }

  NodePtr expr() {
    Depth d(*this, cur_.pos);
    auto c = binary(0);
    if (is("?")) {
      auto n = make(Kind::ternary, cur_.pos);
      advance();
      skip_newlines();
      auto a = expr();
      skip_newlines();
      expect(":", "in a ?: expression");
      skip_newlines();
      n->items = {c, a, expr()};
      return n;
    }
    if (is("?:")) {
      auto n = make(Kind::binary, cur_.pos, "?:");
      advance();
      skip_newlines();
      n->items = {c, expr()};
      return n;
    }
    return c;
  }

  static int precedence(const Token& t) {
    if (t.type == T::ident) return (t.text == "in" || t.text == "instanceof") ? 4 : -1;
    if (t.type != T::punct) return -1;
    static const std::pair<const char*, int> table[] = {
        {"||", 1}, {"&&", 2}, {"|", 3},  {"^", 3},  {"&", 3},  {"==", 4},  {"!=", 4},
        {"<", 4},  {">", 4},  {"<=", 4}, {">=", 4}, {"=~", 4}, {"==~", 4}, {"<=>", 4},
        {"<<", 5}, {"+", 6},  {"-", 6},  {"*", 7},  {"/", 7},  {"%", 7},   {"**", 8}};
    for (const auto& [op, p] : table)
      if (t.text == op) return p;
    return -1;
  }

  NodePtr binary(int min) {
    auto left = unary();
    while (true) {
      int p = precedence(cur_);
      if (p < 0 || p <= min - 1 || p < min) break;
      auto n = make(Kind::binary, cur_.pos, cur_.text);
      advance();
      skip_newlines();
      Depth d(*this, n->pos);
      auto right = binary(p + 1);
      n->items = {left, right};
      left = n;
    }
    return left;
  }

  NodePtr unary() {
    if (is("!") || is("-") || is("+") || is("~")) {
      Depth d(*this, cur_.pos);
      auto n = make(Kind::unary, cur_.pos, cur_.text);
      advance();
      n->items.push_back(unary());
      return n;
    }
    return postfix(primary());
  }

  NodePtr postfix(NodePtr e) {
    while (true) {
      // Method chains may continue on the next line: `.trim()`
      if (cur_.type == T::newline && nxt_.type == T::punct &&
          (nxt_.text == "." || nxt_.text == "?."))
        advance();
      if (is(".") || is("?.") || is("*.")) {
        advance();
        skip_newlines();
        Token name = cur_;
        if (cur_.type == T::ident || cur_.type == T::string)
          advance();
        else
          fail(cur_.pos, "expected a name after '.'");
        auto p = make(Kind::property, name.pos, name.text);
        p->target = e;
        e = p;
        continue;
      }
      if (is("(") && (e->kind == Kind::ident || e->kind == Kind::property)) {
        auto c = make(Kind::call, e->pos, e->text);
        if (e->kind == Kind::property) c->target = e->target;
        c->parens = true;
        advance();
        arguments(*c, ")");
        expect(")", "to close the call's arguments");
        skip_newlines_if_brace();  // stage('Build')\n{ : braces on their own line
        if (is("{")) c->closure = block_closure();
        e = c;
        continue;
      }
      if (is("{") && (e->kind == Kind::ident || e->kind == Kind::property)) {
        auto c = make(Kind::call, e->pos, e->text);
        if (e->kind == Kind::property) c->target = e->target;
        c->closure = block_closure();
        e = c;
        continue;
      }
      if (is("[")) {
        auto n = make(Kind::index, cur_.pos);
        advance();
        skip_newlines();
        n->target = e;
        n->items.push_back(expr());
        skip_newlines();
        expect("]", "to close the index");
        e = n;
        continue;
      }
      if (is("++") || is("--")) {
        advance();
        continue;
      }
      return e;
    }
  }

  NodePtr gstring(const Token& t) {
    auto n = make(Kind::gstring, t.pos);
    for (size_t k = 0; k < t.parts.size(); ++k) {
      Part p = t.parts[k];
      if (p.is_expr) {
        Pos at = t.part_pos[k];
        size_t begin = p.text.data() - p.text.data();  // placeholder: parsed from a copy below
        (void)begin;
        Parser sub(p.text, file_, at, 0, p.text.size(), depth_);
        if (p.text.find_first_not_of(" \t\n") == std::string::npos)
          fail(at, "empty ${} in a string");
        p.expr = sub.whole_expression_owned();
      }
      n->parts.push_back(std::move(p));
    }
    return n;
  }

 public:
  NodePtr whole_expression_owned() { return whole_expression(); }

 private:
  NodePtr primary() {
    Token t = cur_;
    switch (t.type) {
      case T::number:
        advance();
        return make(Kind::number, t.pos, t.text);
      case T::string:
        advance();
        return make(Kind::string, t.pos, t.text);
      case T::gstring: {
        advance();
        return gstring(t);
      }
      case T::ident: {
        advance();
        if (t.text == "true" || t.text == "false") return make(Kind::boolean, t.pos, t.text);
        if (t.text == "null") return make(Kind::null, t.pos);
        if (t.text == "new") {
          auto n = make(Kind::keyword, t.pos, "new");
          n->items.push_back(postfix(primary()));
          return n;
        }
        return make(Kind::ident, t.pos, t.text);
      }
      case T::punct:
        if (t.text == "(") {
          Depth d(*this, t.pos);
          advance();
          skip_newlines();
          auto e = expr();
          skip_newlines();
          expect(")", "to close the parenthesis");
          return e;
        }
        if (t.text == "[") return list_or_map();
        if (t.text == "{") return block_closure();
        break;
      default:
        break;
    }
    if (t.type == T::eof) fail(t.pos, "unexpected end of file (an expression was expected)");
    fail(t.pos, "unexpected " + describe(t));
  }

  NodePtr list_or_map() {
    Token open = cur_;
    Depth d(*this, open.pos);
    advance();
    skip_newlines();
    if (is(":")) {  // [:]
      advance();
      skip_newlines();
      expect("]", "to close the empty map");
      return make(Kind::map, open.pos);
    }
    auto n = make(Kind::list, open.pos);
    Node tmp;
    arguments(tmp, "]");
    skip_newlines();
    if (!is("]")) fail(open.pos, "this '[' is never closed (expected ']')");
    advance();
    bool any_named = false, any_pos = false;
    for (const auto& a : tmp.args) (a.name.empty() ? any_pos : any_named) = true;
    if (any_named && any_pos) fail(open.pos, "a list cannot mix values and key: value entries");
    if (any_named) {
      n->kind = Kind::map;
      n->args = std::move(tmp.args);
    } else {
      for (auto& a : tmp.args) n->items.push_back(a.value);
    }
    return n;
  }

  const std::string& text_;
  const std::string& file_;
  Lexer lex_;
  Token cur_, nxt_;
  bool after_brace_ = false;  // the last token consumed was '}': `a { } b { }` on one line
  int depth_;
};

}  // namespace

NodePtr parse_groovy(const std::string& text, const std::string& file) {
  Parser p(text, file, {1, 1}, 0, text.size(), 0);
  return p.file();
}

}  // namespace pw::jenkinsfile
