// Size and complexity metrics from tokens: logical lines give statements, indentation gives
// blocks, and a stack of open compound headers gives the nesting that cognitive complexity needs
// (see metrics.h for the counting rules).
#include "analysis/metrics.h"

#include <algorithm>
#include <cctype>

namespace pw::analysis {

namespace {

bool is(const Token& t, TokenType type, std::string_view text) {
  return t.type == type && t.text == text;
}
bool is_name(const Token& t, std::string_view text) { return is(t, TokenType::NAME, text); }
bool is_op(const Token& t, std::string_view text) { return is(t, TokenType::OP, text); }

bool significant(TokenType t) {
  return t != TokenType::COMMENT && t != TokenType::NL && t != TokenType::NEWLINE &&
         t != TokenType::INDENT && t != TokenType::DEDENT && t != TokenType::ENDMARKER;
}

enum class Kind {
  simple,
  decorator,
  if_,
  elif_,
  else_,
  for_,
  while_,
  try_,
  except_,
  finally_,
  with_,
  def_,
  class_,
  match_,
  case_
};

struct Line {  // a logical line: significant tokens [begin, end) of `sig`, at indentation depth
  int begin = 0, end = 0, depth = 0;
};

struct Open {  // a compound header whose body is still being read
  int depth = 0;
  Kind kind = Kind::simple;
  int body_level = 0;  // cognitive nesting level inside its body
  int function = -1;   // index into function_list for a def
  bool is_class = false;
  std::string name;
};

class Measurer {
 public:
  Measurer(const Tokenized& t, std::string_view path) : toks_(t.tokens) {
    m_.path = std::string(path);
    m_.lines = t.lines;
    m_.errors = t.errors;
  }

  FileMetrics run() {
    std::vector<Line> lines = logical_lines();
    std::vector<char> code(m_.lines + 2, 0), comment(m_.lines + 2, 0);
    auto mark = [&](std::vector<char>& v, int from, int to) {
      for (int l = std::max(from, 1); l <= to && l < static_cast<int>(v.size()); ++l) v[l] = 1;
    };
    for (const Token& t : toks_) {
      if (significant(t.type)) {
        mark(code, t.line, t.end_line);
      } else if (t.type == TokenType::COMMENT &&
                 std::any_of(t.text.begin(), t.text.end(),
                             [](char c) { return std::isalnum(static_cast<unsigned char>(c)); })) {
        mark(comment, t.line, t.line);
      }
    }
    bool expect_docstring = true;
    for (const Line& line : lines) {
      bool docstring = expect_docstring && is_docstring(line);
      if (docstring) {
        for (int i = line.begin; i < line.end; ++i) {
          const Token& t = tok(i);
          for (int l = t.line; l <= t.end_line && l < static_cast<int>(code.size()); ++l)
            code[l] = 0, comment[l] = 1;
        }
      }
      expect_docstring = process(line);
    }
    for (int l = 1; l < static_cast<int>(code.size()); ++l) {
      if (code[l]) m_.code_lines.push_back(l);
      if (comment[l]) ++m_.comment_lines;
    }
    m_.ncloc = static_cast<int>(m_.code_lines.size());
    return std::move(m_);
  }

 private:
  const std::vector<Token>& toks_;
  std::vector<int> sig_;  // indices of significant tokens
  FileMetrics m_;
  std::vector<Open> stack_;

  const Token& tok(int i) const { return toks_[sig_[i]]; }

  std::vector<Line> logical_lines() {
    std::vector<Line> out;
    int depth = 0, start = 0, start_depth = 0;
    for (size_t i = 0; i < toks_.size(); ++i) {
      TokenType type = toks_[i].type;
      if (type == TokenType::INDENT)
        ++depth;
      else if (type == TokenType::DEDENT)
        depth = std::max(0, depth - 1);
      if (significant(type)) {
        if (static_cast<int>(sig_.size()) == start) start_depth = depth;
        sig_.push_back(static_cast<int>(i));
      } else if (type == TokenType::NEWLINE || type == TokenType::ENDMARKER) {
        int end = static_cast<int>(sig_.size());
        if (end > start) out.push_back(Line{start, end, start_depth});
        start = end;
      }
    }
    return out;
  }

  bool is_docstring(const Line& line) const {
    for (int i = line.begin; i < line.end; ++i) {
      const Token& t = tok(i);
      if (t.type != TokenType::STRING) return false;
      char first = t.text.empty() ? '"' : static_cast<char>(t.text[0] | 0x20);
      if (first == 'f' || first == 't') return false;  // an f-string is not a docstring
    }
    return true;
  }

  // Finds the colon ending a compound header: the first ':' outside brackets that no lambda
  // claims. -1 when there is none (broken code).
  int header_colon(int begin, int end) const {
    int depth = 0, lambdas = 0;
    for (int i = begin; i < end; ++i) {
      const Token& t = tok(i);
      if (t.type == TokenType::OP) {
        if (t.text == "(" || t.text == "[" || t.text == "{")
          ++depth;
        else if (t.text == ")" || t.text == "]" || t.text == "}")
          depth = std::max(0, depth - 1);
        else if (t.text == ":" && depth == 0) {
          if (lambdas > 0)
            --lambdas;
          else
            return i;
        }
      } else if (depth == 0 && is_name(t, "lambda")) {
        ++lambdas;
      }
    }
    return -1;
  }

  Kind kind_of(const Line& line, int& keyword) const {
    keyword = line.begin;
    const Token& t = tok(line.begin);
    if (is_op(t, "@")) return Kind::decorator;
    if (t.type != TokenType::NAME) return Kind::simple;
    std::string_view w = t.text;
    if (w == "async" && line.end - line.begin > 1) {
      std::string_view n = tok(line.begin + 1).text;
      if (n == "def" || n == "for" || n == "with") {
        keyword = line.begin + 1;
        w = n;
      }
    }
    if (w == "if") return Kind::if_;
    if (w == "elif") return Kind::elif_;
    if (w == "else") return Kind::else_;
    if (w == "for") return Kind::for_;
    if (w == "while") return Kind::while_;
    if (w == "try") return Kind::try_;
    if (w == "except") return Kind::except_;
    if (w == "finally") return Kind::finally_;
    if (w == "with") return Kind::with_;
    if (w == "def") return Kind::def_;
    if (w == "class") return Kind::class_;
    if (w == "match" || w == "case") {
      // Soft keywords: a statement only when the line ends with ':' and the next token cannot
      // continue an expression named `match` (match = 1, match.x, match(...) ...: ...).
      if (line.end - line.begin < 3 || !is_op(tok(line.end - 1), ":")) return Kind::simple;
      const Token& n = tok(line.begin + 1);
      if (n.type == TokenType::OP && n.text != "(" && n.text != "[" && n.text != "{" &&
          n.text != "-" && n.text != "*")
        return Kind::simple;
      if (w == "case") return Kind::case_;
      if (n.type == TokenType::OP && n.text == "(") {
        // `match(x):` is a match statement only when no call-like use follows; good enough:
        // treat "match(...)" followed directly by ':' as the statement.
      }
      return Kind::match_;
    }
    return Kind::simple;
  }

  int current_level() const { return stack_.empty() ? 0 : stack_.back().body_level; }
  int innermost_function() const {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it)
      if (it->function >= 0) return it->function;
    return -1;
  }
  // The nearest enclosing def or class, for cognitive nesting of a nested def.
  const Open* nearest_scope() const {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it)
      if (it->function >= 0 || it->is_class) return &*it;
    return nullptr;
  }
  std::string qualified(std::string_view name) const {
    std::string q;
    for (const Open& o : stack_)
      if (!o.name.empty()) q += o.name + ".";
    return q + std::string(name);
  }

  void cyclomatic(int n = 1) {
    m_.complexity += n;
    int f = innermost_function();
    if (f >= 0) m_.function_list[f].cyclomatic += n;
  }
  void cognitive(int n) {
    m_.cognitive_complexity += n;
    for (const Open& o : stack_)
      if (o.function >= 0) m_.function_list[o.function].cognitive += n;
  }

  // Handles one logical line; returns whether the next line may be a docstring (the line opened
  // a def or class body on the following lines).
  bool process(const Line& line) {
    while (!stack_.empty() && stack_.back().depth >= line.depth) stack_.pop_back();
    int end_line = tok(line.end - 1).end_line;
    for (const Open& o : stack_)
      if (o.function >= 0) m_.function_list[o.function].end_line = end_line;

    int kw = line.begin;
    Kind kind = kind_of(line, kw);
    if (kind == Kind::decorator) {
      expressions(line.begin + 1, line.end, current_level());
      return false;
    }
    if (kind == Kind::simple) {
      simple_statements(line.begin, line.end, current_level());
      return false;
    }
    int colon = header_colon(kw + 1, line.end);
    int header_end = colon < 0 ? line.end : colon;
    int level = current_level();
    Open open;
    open.depth = line.depth;
    open.kind = kind;
    switch (kind) {
      case Kind::if_:
        ++m_.statements;
        cyclomatic();
        cognitive(1 + level);
        open.body_level = level + 1;
        break;
      case Kind::elif_:
        ++m_.statements;
        cognitive(1);
        open.body_level = level + 1;
        break;
      case Kind::else_:
        cognitive(1);
        open.body_level = level + 1;
        break;
      case Kind::for_:
      case Kind::while_:
        ++m_.statements;
        cyclomatic();
        cognitive(1 + level);
        open.body_level = level + 1;
        break;
      case Kind::except_:
        ++m_.statements;
        cognitive(1 + level);
        open.body_level = level + 1;
        break;
      case Kind::match_:
        cognitive(1 + level);
        open.body_level = level;
        break;
      case Kind::case_:
        open.body_level = level + 1;
        break;
      case Kind::try_:
        ++m_.statements;
        open.body_level = level;
        break;
      case Kind::finally_:
      case Kind::with_:
        open.body_level = level;
        break;
      case Kind::class_: {
        ++m_.statements;
        ++m_.classes;
        open.is_class = true;
        open.name = kw + 1 < line.end ? std::string(tok(kw + 1).text) : "?";
        open.body_level = 0;
        break;
      }
      case Kind::def_: {
        ++m_.statements;
        ++m_.functions;
        std::string name = kw + 1 < line.end ? std::string(tok(kw + 1).text) : "?";
        const Open* scope = nearest_scope();
        open.body_level = (scope && scope->function >= 0) ? level + 1 : 0;
        FunctionMetrics fm;
        fm.name = qualified(name);
        fm.line = tok(kw).line;
        fm.end_line = end_line;
        m_.function_list.push_back(std::move(fm));
        open.function = static_cast<int>(m_.function_list.size()) - 1;
        open.name = std::move(name);
        break;
      }
      default:
        break;
    }
    // The header's own expressions are read at the header's level; a def's are its defaults and
    // annotations, which belong to the enclosing scope.
    if (kind == Kind::def_) {
      expressions(kw + 2, header_end, level);
      stack_.push_back(open);
      cyclomatic();  // the def's +1 goes to the function itself
    } else {
      expressions(kw + 1, header_end, level);
      stack_.push_back(open);
    }
    bool body_inline = colon >= 0 && colon + 1 < line.end;
    if (body_inline) {
      // `if x: return y` - the body is on the header line; it is inside the new block.
      simple_statements(colon + 1, line.end, open.body_level);
      return false;
    }
    return kind == Kind::def_ || kind == Kind::class_;
  }

  void simple_statements(int begin, int end, int level) {
    int depth = 0, start = begin;
    for (int i = begin; i <= end; ++i) {
      bool split = i == end;
      if (!split) {
        const Token& t = tok(i);
        if (t.type == TokenType::OP) {
          if (t.text == "(" || t.text == "[" || t.text == "{")
            ++depth;
          else if (t.text == ")" || t.text == "]" || t.text == "}")
            depth = std::max(0, depth - 1);
          else if (t.text == ";" && depth == 0)
            split = true;
        }
      }
      if (split) {
        if (i > start && !is_name(tok(start), "nonlocal")) ++m_.statements;
        expressions(start, i, level);
        start = i + 1;
      }
    }
  }

  // Expression-level increments over tokens [begin, end): conditional expressions, comprehension
  // ifs, boolean operators, lambdas, recursion.
  void expressions(int begin, int end, int level) {
    struct Group {                 // state per bracket depth
      bool comprehension = false;  // a `for` was seen: a following `if` filters
      std::string_view last_bool;  // previous operator of the current boolean sequence
      std::vector<int> scopes;     // nesting added inside this group (ternaries, lambdas)
    };
    std::vector<Group> groups(1);
    int extra = 0;  // nesting from ternaries and lambdas still open
    auto close_scopes = [&](Group& g) {
      extra -= static_cast<int>(g.scopes.size());
      g.scopes.clear();
    };
    const Open* fn = nullptr;
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it)
      if (it->function >= 0) {
        fn = &*it;
        break;
      }
    bool method = false;
    if (fn) {
      for (auto it = stack_.rbegin(); it != stack_.rend(); ++it)
        if (&*it == fn) {
          auto next = it + 1;
          method = next != stack_.rend() && next->is_class;
          break;
        }
    }
    int lambda_pending = 0;  // lambdas whose ':' has not come yet
    for (int i = begin; i < end; ++i) {
      const Token& t = tok(i);
      Group& g = groups.back();
      if (t.type == TokenType::OP) {
        std::string_view x = t.text;
        if (x == "(" || x == "[" || x == "{") {
          groups.emplace_back();
        } else if (x == ")" || x == "]" || x == "}") {
          close_scopes(groups.back());
          if (groups.size() > 1) groups.pop_back();
          groups.back().last_bool = {};
        } else if (x == ",") {
          close_scopes(g);
          g.last_bool = {};
          g.comprehension = false;
        } else if (x == ":") {
          g.last_bool = {};
          if (lambda_pending > 0) {
            --lambda_pending;
            g.scopes.push_back(1);
            ++extra;
          } else {
            close_scopes(g);
          }
        } else if (x == "=" || x == ":=" ||
                   (x.size() >= 2 && x.back() == '=' && x != "==" && x != "!=" && x != "<=" &&
                    x != ">=")) {
          close_scopes(g);
          g.last_bool = {};
        }
        continue;
      }
      if (t.type != TokenType::NAME) continue;
      std::string_view w = t.text;
      if (w == "and" || w == "or") {
        cyclomatic();
        if (g.last_bool != w) cognitive(1);
        g.last_bool = w;
      } else if (w == "for") {
        g.comprehension = true;
        g.last_bool = {};
        close_scopes(g);
      } else if (w == "if") {
        g.last_bool = {};
        cyclomatic();
        if (!g.comprehension) {  // a conditional expression
          cognitive(1 + level + extra);
          g.scopes.push_back(1);
          ++extra;
        }
      } else if (w == "else" || w == "in") {
        g.last_bool = {};
      } else if (w == "lambda") {
        g.last_bool = {};
        ++lambda_pending;
      } else if (fn && w == fn->name && i + 1 < end && is_op(tok(i + 1), "(")) {
        bool dotted = i > begin && is_op(tok(i - 1), ".");
        bool self_call =
            dotted && i - 2 >= begin && (is_name(tok(i - 2), "self") || is_name(tok(i - 2), "cls"));
        if ((!dotted && !method) || (method && self_call)) cognitive(1);  // recursion
      }
    }
  }
};

}  // namespace

FileMetrics measure(const Tokenized& tokenized, std::string_view path) {
  return Measurer(tokenized, path).run();
}

FileMetrics measure_source(std::string_view source, std::string_view path) {
  // One token buffer per thread, reused from file to file: the tokens are only needed here.
  thread_local Tokenized buffer;
  tokenize_into(source, path, buffer);
  FileMetrics m = measure(buffer, path);
  if (buffer.tokens.capacity() > (std::size_t{1} << 20)) buffer = Tokenized{};  // huge file: let go
  return m;
}

double MetricsTotals::comment_density() const {
  long long d = ncloc + comment_lines;
  return d == 0 ? 0.0 : 100.0 * static_cast<double>(comment_lines) / static_cast<double>(d);
}

MetricsTotals totals(const std::vector<FileMetrics>& files) {
  MetricsTotals t;
  for (const FileMetrics& f : files) {
    ++t.files;
    t.lines += f.lines;
    t.ncloc += f.ncloc;
    t.comment_lines += f.comment_lines;
    t.statements += f.statements;
    t.functions += f.functions;
    t.classes += f.classes;
    t.complexity += f.complexity;
    t.cognitive_complexity += f.cognitive_complexity;
  }
  return t;
}

}  // namespace pw::analysis
