// Recursive-descent parser for PEP 508 markers, following the grammar and token rules of
// packaging._parser / packaging._tokenizer (WS is spaces and tabs only; "and", "or", "in",
// "not" and variable names need word boundaries), so that what pip accepts we accept.
#include "python/marker.h"

#include <array>

#include "python/names.h"
#include "python/specifier.h"

namespace pw::python {

namespace {

bool is_word(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         u >= 0x80;
}

struct VarSpelling {
  std::string_view written;
  std::string_view canonical;
};
constexpr std::array<VarSpelling, 18> kVariables = {{
    {"python_version", "python_version"},
    {"python_full_version", "python_full_version"},
    {"os_name", "os_name"},
    {"os.name", "os_name"},
    {"sys_platform", "sys_platform"},
    {"sys.platform", "sys_platform"},
    {"platform_release", "platform_release"},
    {"platform_system", "platform_system"},
    {"platform_version", "platform_version"},
    {"platform.version", "platform_version"},
    {"platform_machine", "platform_machine"},
    {"platform.machine", "platform_machine"},
    {"platform_python_implementation", "platform_python_implementation"},
    {"platform.python_implementation", "platform_python_implementation"},
    {"python_implementation", "platform_python_implementation"},
    {"implementation_name", "implementation_name"},
    {"implementation_version", "implementation_version"},
    {"extra", "extra"},
}};

class MarkerParser {
 public:
  explicit MarkerParser(std::string_view s) : s_(s) {}

  Result<Marker> run(MarkerNode& root) {
    if (!parse_or(root)) return fail(err_, err_at_);
    skip_ws();
    if (pos_ != s_.size()) {
      if (is_boolop_ahead()) return fail("expected a marker after 'and'/'or'", pos_);
      return fail("expected 'and', 'or' or the end of the marker", pos_);
    }
    return Marker();
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
  std::string err_;
  size_t err_at_ = 0;
  int depth_ = 0;

  bool error(std::string msg, size_t at) {
    err_ = std::move(msg);
    err_at_ = at;
    return false;
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  bool boundary_before(size_t at) const { return at == 0 || !is_word(s_[at - 1]); }
  bool boundary_after(size_t at) const { return at >= s_.size() || !is_word(s_[at]); }
  bool word_at(std::string_view w) const {
    return s_.substr(pos_, w.size()) == w && boundary_before(pos_) &&
           boundary_after(pos_ + w.size());
  }
  bool is_boolop_ahead() const { return word_at("and") || word_at("or"); }

  bool parse_or(MarkerNode& out) {
    MarkerNode first;
    if (!parse_and(first)) return false;
    skip_ws();
    if (!word_at("or")) {
      out = std::move(first);
      return true;
    }
    out = MarkerNode{};
    out.kind = MarkerNode::Kind::any_of;
    out.children.push_back(std::move(first));
    while (word_at("or")) {
      pos_ += 2;
      MarkerNode next;
      if (!parse_and(next)) return false;
      out.children.push_back(std::move(next));
      skip_ws();
    }
    return true;
  }

  bool parse_and(MarkerNode& out) {
    MarkerNode first;
    if (!parse_atom(first)) return false;
    skip_ws();
    if (!word_at("and")) {
      out = std::move(first);
      return true;
    }
    out = MarkerNode{};
    out.kind = MarkerNode::Kind::all_of;
    out.children.push_back(std::move(first));
    while (word_at("and")) {
      pos_ += 3;
      MarkerNode next;
      if (!parse_atom(next)) return false;
      out.children.push_back(std::move(next));
      skip_ws();
    }
    return true;
  }

  bool parse_atom(MarkerNode& out) {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '(') {
      size_t open = pos_;
      if (++depth_ > 200) return error("markers nested too deeply", pos_);
      ++pos_;
      skip_ws();
      if (!parse_or(out)) return false;
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ')')
        return error("expected ')' to close the '(' at column " + std::to_string(open + 1), pos_);
      ++pos_;
      --depth_;
      out.parenthesized = true;
      skip_ws();
      return true;
    }
    out.kind = MarkerNode::Kind::compare;
    if (!parse_operand(out.lhs)) return false;
    skip_ws();
    if (!parse_op(out.op)) return false;
    skip_ws();
    if (!parse_operand(out.rhs)) return false;
    skip_ws();
    return true;
  }

  bool parse_operand(MarkerOperand& out) {
    if (pos_ < s_.size() && (s_[pos_] == '\'' || s_[pos_] == '"')) {
      char q = s_[pos_];
      size_t end = s_.find(q, pos_ + 1);
      if (end == std::string_view::npos)
        return error(std::string("unterminated string: missing closing ") + q, pos_);
      out.is_variable = false;
      out.value = std::string(s_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      return true;
    }
    if (boundary_before(pos_)) {
      for (const auto& v : kVariables) {
        if (s_.substr(pos_, v.written.size()) == v.written &&
            boundary_after(pos_ + v.written.size())) {
          out.is_variable = true;
          out.value = std::string(v.canonical);
          pos_ += v.written.size();
          return true;
        }
      }
    }
    size_t end = pos_;
    while (end < s_.size() && (is_word(s_[end]) || s_[end] == '.')) ++end;
    if (end > pos_ && s_[pos_] >= '0' && s_[pos_] <= '9')
      return error("expected a marker variable or quoted string; values need quotes ('" +
                       std::string(s_.substr(pos_, end - pos_)) + "')",
                   pos_);
    if (end > pos_)
      return error("unknown marker variable '" + std::string(s_.substr(pos_, end - pos_)) +
                       "' (strings need quotes)",
                   pos_);
    return error("expected a marker variable or quoted string", pos_);
  }

  bool parse_op(MarkerOp& op) {
    if (word_at("in")) {
      pos_ += 2;
      op = MarkerOp::in;
      return true;
    }
    if (word_at("not")) {
      pos_ += 3;
      size_t before = pos_;
      skip_ws();
      if (pos_ == before) return error("expected whitespace after 'not'", pos_);
      if (!word_at("in")) return error("expected 'in' after 'not'", pos_);
      pos_ += 2;
      op = MarkerOp::not_in;
      return true;
    }
    static constexpr std::pair<std::string_view, MarkerOp> kOps[] = {
        {"===", MarkerOp::arbitrary}, {"==", MarkerOp::equal},      {"~=", MarkerOp::compatible},
        {"!=", MarkerOp::not_equal},  {"<=", MarkerOp::less_equal}, {">=", MarkerOp::greater_equal},
        {"<", MarkerOp::less},        {">", MarkerOp::greater},
    };
    for (const auto& [text, value] : kOps) {
      if (s_.substr(pos_, text.size()) == text) {
        pos_ += text.size();
        op = value;
        return true;
      }
    }
    return error("expected a marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in",
                 pos_);
  }
};

void format(const MarkerNode& n, std::string& out, bool top) {
  bool parens = n.parenthesized && !top;
  if (parens) out += '(';
  if (n.kind == MarkerNode::Kind::compare) {
    auto operand = [&](const MarkerOperand& o) {
      if (o.is_variable) {
        out += o.value;
      } else {
        out += '"';
        out += o.value;
        out += '"';
      }
    };
    operand(n.lhs);
    out += ' ';
    out += marker_op_str(n.op);
    out += ' ';
    operand(n.rhs);
  } else {
    const char* sep = n.kind == MarkerNode::Kind::all_of ? " and " : " or ";
    for (size_t k = 0; k < n.children.size(); ++k) {
      if (k) out += sep;
      // An "or" inside an "and" needs its parentheses even if they were not kept.
      const auto& c = n.children[k];
      bool force = n.kind == MarkerNode::Kind::all_of && c.kind == MarkerNode::Kind::any_of &&
                   !c.parenthesized;
      if (force) out += '(';
      format(c, out, false);
      if (force) out += ')';
    }
  }
  if (parens) out += ')';
}

bool string_compare(MarkerOp op, const std::string& l, const std::string& r, bool& ok) {
  ok = true;
  switch (op) {
    case MarkerOp::in:
      return r.find(l) != std::string::npos;
    case MarkerOp::not_in:
      return r.find(l) == std::string::npos;
    case MarkerOp::less:
      return l < r;
    case MarkerOp::less_equal:
      return l <= r;
    case MarkerOp::equal:
      return l == r;
    case MarkerOp::not_equal:
      return l != r;
    case MarkerOp::greater_equal:
      return l >= r;
    case MarkerOp::greater:
      return l > r;
    default:
      ok = false;
      return false;
  }
}

Result<bool> eval(const MarkerNode& n, const MarkerEnvironment& env) {
  if (n.kind != MarkerNode::Kind::compare) {
    // Every operand is evaluated (no short-circuit), as packaging does, so an undefined
    // variable is reported whatever the other operands say.
    bool all = true, any = false;
    for (const auto& c : n.children) {
      auto r = eval(c, env);
      if (!r) return r;
      all = all && *r;
      any = any || *r;
    }
    return n.kind == MarkerNode::Kind::all_of ? all : any;
  }
  auto value_of = [&](const MarkerOperand& o, std::string& out) -> bool {
    if (!o.is_variable) {
      out = o.value;
      return true;
    }
    auto it = env.find(o.value);
    if (it != env.end()) {
      out = it->second;
      return true;
    }
    if (o.value == "extra") {
      out.clear();
      return true;
    }
    return false;
  };
  std::string l, r;
  if (!value_of(n.lhs, l)) return fail("undefined environment marker '" + n.lhs.value + "'");
  if (!value_of(n.rhs, r)) return fail("undefined environment marker '" + n.rhs.value + "'");
  if ((n.lhs.is_variable && n.lhs.value == "extra") ||
      (n.rhs.is_variable && n.rhs.value == "extra")) {
    l = normalize_name(l);
    r = normalize_name(r);
  }
  if (n.op != MarkerOp::in && n.op != MarkerOp::not_in) {
    std::string spec_text(marker_op_str(n.op));
    spec_text += r;
    if (auto spec = Specifier::parse(spec_text)) {
      if (auto v = Version::parse(l)) return spec->contains(*v, true);
    }
  }
  bool ok = false;
  bool res = string_compare(n.op, l, r, ok);
  if (!ok)
    return fail("undefined comparison '" + std::string(marker_op_str(n.op)) + "' between '" + l +
                "' and '" + r + "'");
  return res;
}

}  // namespace

std::string_view marker_op_str(MarkerOp op) {
  switch (op) {
    case MarkerOp::less:
      return "<";
    case MarkerOp::less_equal:
      return "<=";
    case MarkerOp::equal:
      return "==";
    case MarkerOp::not_equal:
      return "!=";
    case MarkerOp::greater_equal:
      return ">=";
    case MarkerOp::greater:
      return ">";
    case MarkerOp::compatible:
      return "~=";
    case MarkerOp::arbitrary:
      return "===";
    case MarkerOp::in:
      return "in";
    case MarkerOp::not_in:
      return "not in";
  }
  return "";
}

Result<Marker> Marker::parse(std::string_view text) {
  Marker m;
  MarkerParser p(text);
  auto r = p.run(m.root_);
  if (!r) return r.failure();
  return m;
}

std::string Marker::str() const {
  std::string out;
  format(root_, out, true);
  return out;
}

Result<bool> Marker::evaluate(const MarkerEnvironment& env) const { return eval(root_, env); }

const std::vector<std::string_view>& marker_variables() {
  static const std::vector<std::string_view> vars = {"implementation_name",
                                                     "implementation_version",
                                                     "os_name",
                                                     "platform_machine",
                                                     "platform_python_implementation",
                                                     "platform_release",
                                                     "platform_system",
                                                     "platform_version",
                                                     "python_full_version",
                                                     "python_version",
                                                     "sys_platform",
                                                     "extra"};
  return vars;
}

}  // namespace pw::python
