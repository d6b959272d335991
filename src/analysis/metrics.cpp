// Size and complexity metrics from tokens: logical lines give statements, indentation gives
// blocks, and a stack of open compound headers gives the nesting that cognitive complexity needs
// (see metrics.h for the counting rules).
#include "analysis/metrics.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace pw::analysis {

namespace {

// A significant token as the measurer reads it: its text resolved once, since the counting rules
// compare it many times.
struct Sig {
  std::string_view text;
  int line = 0, end_line = 0;
  TokenType type = TokenType::ENDMARKER;
  // For an OP: its character when it is one character long, '=' for every assignment operator
  // (=, :=, +=, ...), else 0. For a NAME: one of the Word codes below, else 0.
  char op = 0;
  std::uint8_t word = 0;
};

// The keywords the expression rules look at, as codes so each token is compared once.
enum Word : std::uint8_t { kNone, kAnd, kOr, kFor, kIf, kElse, kIn, kLambda };

char op_code(std::string_view x) {
  if (x.size() == 1) return x[0];
  if (x == ":=" || (x.back() == '=' && x != "==" && x != "!=" && x != "<=" && x != ">="))
    return '=';
  return 0;
}

std::uint8_t word_code(std::string_view w) {
  switch (w.size()) {
    case 2:
      return w == "or" ? kOr : w == "if" ? kIf : w == "in" ? kIn : kNone;
    case 3:
      return w == "and" ? kAnd : w == "for" ? kFor : kNone;
    case 4:
      return w == "else" ? kElse : kNone;
    case 6:
      return w == "lambda" ? kLambda : kNone;
    default:
      return kNone;
  }
}

bool is(const Sig& t, TokenType type, std::string_view text) {
  return t.type == type && t.text == text;
}
bool is_name(const Sig& t, std::string_view text) { return is(t, TokenType::NAME, text); }
bool is_op(const Sig& t, std::string_view text) { return is(t, TokenType::OP, text); }

// COMMENT, NL, NEWLINE, INDENT, DEDENT and ENDMARKER as a bit set: one test per token.
constexpr unsigned kLayout =
    1u << static_cast<int>(TokenType::COMMENT) | 1u << static_cast<int>(TokenType::NL) |
    1u << static_cast<int>(TokenType::NEWLINE) | 1u << static_cast<int>(TokenType::INDENT) |
    1u << static_cast<int>(TokenType::DEDENT) | 1u << static_cast<int>(TokenType::ENDMARKER);
bool significant(TokenType t) { return !((1u << static_cast<int>(t)) & kLayout); }

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

struct Group {                 // Measurer::expressions(): state per bracket depth
  bool comprehension = false;  // a `for` was seen: a following `if` filters
  std::uint8_t last_bool = 0;  // previous operator (kAnd, kOr) of the current boolean sequence
  int scopes = 0;              // nesting added inside this group (ternaries, lambdas)
};

// The measurer's working memory, kept per thread from file to file: measuring many files then
// writes into memory already in use instead of fresh pages (slow to fault in on a VM).
struct Scratch {
  std::vector<Sig> sig;             // the significant tokens, in order
  std::vector<Line> lines;          // logical lines over `sig`
  std::vector<char> code, comment;  // per physical line (1-based): holds code, a comment
  std::vector<Open> stack;
  std::vector<Group> groups;
};

class Measurer {
 public:
  Measurer(const Tokenized& t, std::string_view path, Scratch& scratch)
      : tz_(t),
        sig_(scratch.sig),
        lines_(scratch.lines),
        code_(scratch.code),
        comment_(scratch.comment),
        stack_(scratch.stack),
        groups_(scratch.groups) {
    sig_.clear();
    lines_.clear();
    stack_.clear();
    m_.path = std::string(path);
    m_.lines = t.lines;
    m_.errors = t.errors;
  }

  FileMetrics run() {
    code_.assign(m_.lines + 2, 0);
    comment_.assign(m_.lines + 2, 0);
    logical_lines();
    bool expect_docstring = true;
    for (const Line& line : lines_) {
      bool docstring = expect_docstring && is_docstring(line);
      if (docstring) {
        for (int i = line.begin; i < line.end; ++i) {
          const Sig& t = tok(i);
          for (int l = t.line; l <= t.end_line && l < static_cast<int>(code_.size()); ++l)
            code_[l] = 0, comment_[l] = 1;
        }
      }
      expect_docstring = process(line);
    }
    for (int l = 1; l < static_cast<int>(code_.size()); ++l) {
      if (code_[l]) m_.code_lines.push_back(l);
      if (comment_[l]) ++m_.comment_lines;
    }
    m_.ncloc = static_cast<int>(m_.code_lines.size());
    return std::move(m_);
  }

 private:
  const Tokenized& tz_;
  std::vector<Sig>& sig_;
  std::vector<Line>& lines_;
  std::vector<char>& code_;
  std::vector<char>& comment_;
  std::vector<Open>& stack_;
  std::vector<Group>& groups_;
  FileMetrics m_;

  const Sig& tok(int i) const { return sig_[i]; }

  // One pass over the tokens: the significant ones into sig_, grouped in logical lines, and the
  // lines holding code or a comment marked.
  void logical_lines() {
    std::vector<Line>& out = lines_;
    const std::vector<Token>& toks = tz_.tokens;
    sig_.reserve(toks.size());
    const int last_line = static_cast<int>(code_.size()) - 1;
    int depth = 0, start = 0, start_depth = 0;
    for (const Token& t : toks) {
      TokenType type = t.type;
      if (significant(type)) {
        if (static_cast<int>(sig_.size()) == start) start_depth = depth;
        std::string_view text = tz_.text(t);
        char op = type == TokenType::OP ? op_code(text) : 0;
        std::uint8_t word = type == TokenType::NAME ? word_code(text) : std::uint8_t{kNone};
        sig_.push_back(Sig{text, t.line, t.end_line, type, op, word});
        if (t.line == t.end_line && t.line >= 1 && t.line <= last_line)
          code_[t.line] = 1;  // the usual one-line token
        else
          for (int l = std::max(t.line, 1); l <= t.end_line && l <= last_line; ++l) code_[l] = 1;
      } else if (type == TokenType::NEWLINE || type == TokenType::ENDMARKER) {
        int end = static_cast<int>(sig_.size());
        if (end > start) out.push_back(Line{start, end, start_depth});
        start = end;
      } else if (type == TokenType::INDENT) {
        ++depth;
      } else if (type == TokenType::DEDENT) {
        depth = std::max(0, depth - 1);
      } else if (type == TokenType::COMMENT && t.line >= 1 && t.line <= last_line) {
        std::string_view text = tz_.text(t);
        if (std::any_of(text.begin(), text.end(),
                        [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }))
          comment_[t.line] = 1;
      }
    }
  }

  bool is_docstring(const Line& line) const {
    for (int i = line.begin; i < line.end; ++i) {
      const Sig& t = tok(i);
      if (t.type != TokenType::STRING) return false;
      char first = t.text.empty() ? '"' : static_cast<char>(t.text[0] | 0x20);
      if (first == 'f' || first == 't') return false;  // an f-string is not a docstring
    }
    return true;
  }

  // Keeps the bracket depth over an operator token; true when it was a bracket.
  static bool bracket(const Sig& t, int& depth) {
    if (t.op == '(' || t.op == '[' || t.op == '{') {
      ++depth;
      return true;
    }
    if (t.op == ')' || t.op == ']' || t.op == '}') {
      depth = std::max(0, depth - 1);
      return true;
    }
    return false;
  }

  // Finds the colon ending a compound header: the first ':' outside brackets that no lambda
  // claims. -1 when there is none (broken code).
  int header_colon(int begin, int end) const {
    int depth = 0, lambdas = 0;
    for (int i = begin; i < end; ++i) {
      const Sig& t = tok(i);
      if (t.type == TokenType::OP) {
        if (bracket(t, depth)) continue;
        if (t.op == ':' && depth == 0) {
          if (lambdas > 0)
            --lambdas;
          else
            return i;
        }
      } else if (depth == 0 && t.word == kLambda) {
        ++lambdas;
      }
    }
    return -1;
  }

  Kind kind_of(const Line& line, int& keyword) const {
    keyword = line.begin;
    const Sig& t = tok(line.begin);
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
      const Sig& n = tok(line.begin + 1);
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
      case Kind::for_:
      case Kind::while_:
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
        const Sig& t = tok(i);
        if (t.type == TokenType::OP && !bracket(t, depth) && t.op == ';' && depth == 0)
          split = true;
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
    std::vector<Group>& groups = groups_;
    groups.assign(1, Group{});
    int extra = 0;  // nesting from ternaries and lambdas still open
    auto close_scopes = [&](Group& g) {
      extra -= g.scopes;
      g.scopes = 0;
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
      const Sig& t = tok(i);
      Group& g = groups.back();
      if (t.type == TokenType::OP) {
        switch (t.op) {
          case '(':
          case '[':
          case '{':
            groups.emplace_back();
            break;
          case ')':
          case ']':
          case '}':
            close_scopes(groups.back());
            if (groups.size() > 1) groups.pop_back();
            groups.back().last_bool = kNone;
            break;
          case ',':
            close_scopes(g);
            g.last_bool = kNone;
            g.comprehension = false;
            break;
          case ':':
            g.last_bool = kNone;
            if (lambda_pending > 0) {
              --lambda_pending;
              ++g.scopes;
              ++extra;
            } else {
              close_scopes(g);
            }
            break;
          case '=':  // any assignment
            close_scopes(g);
            g.last_bool = kNone;
            break;
          default:
            break;
        }
        continue;
      }
      if (t.type != TokenType::NAME) continue;
      std::uint8_t w = t.word;
      if (w == kAnd || w == kOr) {
        cyclomatic();
        if (g.last_bool != w) cognitive(1);
        g.last_bool = w;
      } else if (w == kFor) {
        g.comprehension = true;
        g.last_bool = kNone;
        close_scopes(g);
      } else if (w == kIf) {
        g.last_bool = kNone;
        cyclomatic();
        if (!g.comprehension) {  // a conditional expression
          cognitive(1 + level + extra);
          ++g.scopes;
          ++extra;
        }
      } else if (w == kElse || w == kIn) {
        g.last_bool = kNone;
      } else if (w == kLambda) {
        g.last_bool = kNone;
        ++lambda_pending;
      } else if (fn && t.text == fn->name && i + 1 < end && tok(i + 1).op == '(') {
        bool dotted = i > begin && tok(i - 1).op == '.';
        bool self_call =
            dotted && i - 2 >= begin && (is_name(tok(i - 2), "self") || is_name(tok(i - 2), "cls"));
        if ((!dotted && !method) || (method && self_call)) cognitive(1);  // recursion
      }
    }
  }
};

}  // namespace

FileMetrics measure(const Tokenized& tokenized, std::string_view path) {
  thread_local Scratch scratch;
  FileMetrics m = Measurer(tokenized, path, scratch).run();
  if (scratch.sig.capacity() > (std::size_t{1} << 20)) scratch = Scratch{};  // huge file: let go
  return m;
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
