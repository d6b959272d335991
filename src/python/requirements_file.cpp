// Reading requirements files as pip 23 does (pip/_internal/req/req_file.py and
// req/constructors.py), by scanning string_views: no regex, one pass per stage.
//
// Where we differ from pip, on purpose:
//  - an include cycle is a Diagnostic naming the chain (pip recurses until RecursionError);
//  - a file reached twice in the same mode (a diamond of -r) is read once, so its
//    requirements are not reported twice;
//  - http(s) includes are not fetched (a Diagnostic says so); file: URLs are read as paths;
//  - a path requirement ("./pkg", "dist/x.whl") is classified by its spelling only; pip also
//    looks at the file system relative to the current directory.
#include "python/requirements_file.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include "python/ascii.h"
#include "python/names.h"
#include "python/shlex.h"
#include "python/text_decoding.h"
#include "python/url.h"

namespace pw::python {

namespace fs = std::filesystem;

std::string_view form_name(RequirementForm form) {
  switch (form) {
    case RequirementForm::named:
      return "named";
    case RequirementForm::url:
      return "url";
    case RequirementForm::bare_url:
      return "bare-url";
    case RequirementForm::path:
      return "path";
    case RequirementForm::editable:
      return "editable";
  }
  return "";
}

std::string RequirementEntry::normalized_name() const { return normalize_name(name); }

bool RequirementsFile::has_option(std::string_view long_name) const {
  for (const auto& o : options)
    if (o.option == long_name) return true;
  return false;
}

namespace {

using ascii::is_py_space;
using ascii::strip_py_space;

// Length of the line break starting at content[i] under str.splitlines() rules, or 0.
size_t line_break_at(std::string_view content, size_t i) {
  char c = content[i];
  switch (c) {
    case '\n':
    case '\v':
    case '\f':
    case '\x1c':
    case '\x1d':
    case '\x1e':
      return 1;
    case '\r':
      return (i + 1 < content.size() && content[i + 1] == '\n') ? 2 : 1;
    case '\xc2':  // U+0085 NEL
      return (i + 1 < content.size() && content[i + 1] == '\x85') ? 2 : 0;
    case '\xe2':  // U+2028, U+2029
      return (i + 2 < content.size() && content[i + 1] == '\x80' &&
              (content[i + 2] == '\xa8' || content[i + 2] == '\xa9'))
                 ? 3
                 : 0;
    default:
      return 0;
  }
}

// COMMENT_RE.match(line): the line is only a comment ("# x", "   # x").
bool is_comment_line(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && is_py_space(line[i])) ++i;
  return i < line.size() && line[i] == '#';
}

// COMMENT_RE.sub("", line): cut at the first '#' at the start or after whitespace.
std::string_view strip_comment(std::string_view line) {
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '#' && (i == 0 || is_py_space(line[i - 1]))) return line.substr(0, i);
  }
  return line;
}

// ---- pip's option parser (optparse over SUPPORTED_OPTIONS + SUPPORTED_OPTIONS_REQ) ----

enum class Dest : uint8_t {
  index_url,
  extra_index_url,
  no_index,
  constraint,
  requirement,
  editable,
  find_links,
  no_binary,
  only_binary,
  prefer_binary,
  require_hashes,
  pre,
  trusted_host,
  use_feature,
  install_option,
  global_option,
  hash,
  config_settings,
};

struct OptDef {
  std::string_view name;       // a long spelling (optparse matches unique prefixes)
  std::string_view canonical;  // how OptionEntry records it
  Dest dest;
  bool takes_value;
};

// Sorted, as optparse sorts the candidates of an ambiguous prefix.
constexpr OptDef kLongOptions[] = {
    {"--config-settings", "--config-settings", Dest::config_settings, true},
    {"--constraint", "--constraint", Dest::constraint, true},
    {"--editable", "--editable", Dest::editable, true},
    {"--extra-index-url", "--extra-index-url", Dest::extra_index_url, true},
    {"--find-links", "--find-links", Dest::find_links, true},
    {"--global-option", "--global-option", Dest::global_option, true},
    {"--hash", "--hash", Dest::hash, true},
    {"--index-url", "--index-url", Dest::index_url, true},
    {"--install-option", "--install-option", Dest::install_option, true},
    {"--no-binary", "--no-binary", Dest::no_binary, true},
    {"--no-index", "--no-index", Dest::no_index, false},
    {"--only-binary", "--only-binary", Dest::only_binary, true},
    {"--pre", "--pre", Dest::pre, false},
    {"--prefer-binary", "--prefer-binary", Dest::prefer_binary, false},
    {"--pypi-url", "--index-url", Dest::index_url, true},
    {"--require-hashes", "--require-hashes", Dest::require_hashes, false},
    {"--requirement", "--requirement", Dest::requirement, true},
    {"--trusted-host", "--trusted-host", Dest::trusted_host, true},
    {"--use-feature", "--use-feature", Dest::use_feature, true},
};

const OptDef* short_option(char c) {
  switch (c) {
    case 'i':
      return &kLongOptions[7];
    case 'c':
      return &kLongOptions[1];
    case 'r':
      return &kLongOptions[16];
    case 'e':
      return &kLongOptions[2];
    case 'f':
      return &kLongOptions[4];
    default:
      return nullptr;
  }
}

struct LineOptions {
  std::vector<std::pair<const OptDef*, std::string>> seen;  // every option, in order
  std::vector<std::string> requirements, constraints, editables;
  std::map<std::string, std::vector<std::string>> hashes;
  std::vector<std::string> global_options, install_options, config_settings;
};

// The list an option optparse "append"s to gathers its values; nullptr for the others.
std::vector<std::string>* appended_to(Dest dest, LineOptions& out) {
  switch (dest) {
    case Dest::requirement:
      return &out.requirements;
    case Dest::constraint:
      return &out.constraints;
    case Dest::editable:
      return &out.editables;
    case Dest::global_option:
      return &out.global_options;
    case Dest::install_option:
      return &out.install_options;
    default:
      return nullptr;
  }
}

std::optional<std::string> apply(const OptDef* def, std::string_view spelled, std::string value,
                                 LineOptions& out) {
  if (auto* list = appended_to(def->dest, out)) list->push_back(value);
  switch (def->dest) {
    case Dest::config_settings:
      if (value.find('=') == std::string::npos)
        return "Arguments to " + std::string(spelled) + " must be of the form KEY=VAL";
      out.config_settings.push_back(value);
      break;
    case Dest::hash: {
      size_t colon = value.find(':');
      if (colon == std::string::npos)
        return "Arguments to " + std::string(spelled) +
               " must be a hash name followed by a value, like --hash=sha256:abcde...";
      std::string algo = value.substr(0, colon);
      if (algo != "sha256" && algo != "sha384" && algo != "sha512")
        return "Allowed hash algorithms for " + std::string(spelled) +
               " are sha256, sha384, sha512.";
      out.hashes[algo].push_back(value.substr(colon + 1));
      break;
    }
    default:
      break;
  }
  out.seen.emplace_back(def, std::move(value));
  return std::nullopt;
}

// optparse's _process_args over shlex-split words. Positional words are ignored, as pip
// ignores them ("opts, _ = parser.parse_args(...)").
std::optional<std::string> parse_options(const std::vector<std::string>& words, LineOptions& out) {
  for (size_t k = 0; k < words.size(); ++k) {
    const std::string& arg = words[k];
    if (arg == "--") break;
    if (arg.starts_with("--")) {
      std::string_view name = arg;
      std::optional<std::string> explicit_value;
      if (size_t eq = arg.find('='); eq != std::string::npos) {
        name = std::string_view(arg).substr(0, eq);
        explicit_value = arg.substr(eq + 1);
      }
      const OptDef* def = nullptr;
      std::vector<std::string_view> candidates;
      for (const auto& o : kLongOptions) {
        if (o.name == name) {
          def = &o;
          candidates.clear();
          break;
        }
        if (o.name.starts_with(name)) candidates.push_back(o.name), def = &o;
      }
      if (candidates.size() > 1) {
        std::string list;
        for (size_t c = 0; c < candidates.size(); ++c) {
          if (c) list += ", ";
          list += candidates[c];
        }
        return "ambiguous option: " + std::string(name) + " (" + list + "?)";
      }
      if (!def) return "no such option: " + std::string(name);
      std::string value;
      if (def->takes_value) {
        if (explicit_value) {
          value = *explicit_value;
        } else if (k + 1 < words.size()) {
          value = words[++k];
        } else {
          return std::string(def->name) + " option requires 1 argument";
        }
      } else if (explicit_value) {
        return std::string(def->name) + " option does not take a value";
      }
      if (auto err = apply(def, def->name, std::move(value), out)) return err;
    } else if (arg.size() > 1 && arg[0] == '-') {
      const OptDef* def = short_option(arg[1]);
      if (!def) return "no such option: -" + std::string(1, arg[1]);
      std::string value;
      if (arg.size() > 2) {
        value = arg.substr(2);
      } else if (k + 1 < words.size()) {
        value = words[++k];
      } else {
        return "-" + std::string(1, arg[1]) + " option requires 1 argument";
      }
      if (auto err = apply(def, "-" + std::string(1, arg[1]), std::move(value), out)) return err;
    }
  }
  return std::nullopt;
}

// pip's _strip_extras: "path[extra1,extra2]" -> "path".
std::string_view strip_extras(std::string_view path) {
  if (path.size() > 2 && path.back() == ']') {
    size_t open = path.rfind('[');
    if (open != std::string_view::npos && open > 0 && open + 2 < path.size() &&
        path.substr(open + 1, path.size() - open - 2).find(']') == std::string_view::npos)
      return path.substr(0, open);
  }
  return path;
}

// pip's _looks_like_path.
bool looks_like_path(std::string_view name) {
  return name.find('/') != std::string_view::npos || name.starts_with(".");
}

// pip's SCHEME_RE for includes: ^(http|https|file):
bool include_is_url(std::string_view p) {
  std::string s = url_scheme(p);
  return s == "http" || s == "https" || s == "file";
}

class RequirementsReader {
 public:
  RequirementsReader(const ReadOptions& opts, RequirementsFile& out) : opts_(opts), out_(out) {
    if (!opts_.getenv) {
      opts_.getenv = [](std::string_view name) -> std::optional<std::string> {
        const char* v = std::getenv(std::string(name).c_str());
        if (!v) return std::nullopt;
        return std::string(v);
      };
    }
  }

  // Reads and parses `file`; `stack` holds the chain of including files for cycle reports.
  void read_file(const std::string& file, bool constraint, const Diagnostic* included_from,
                 std::string_view how) {
    std::string content;
    if (!load(file, content)) {
      std::string reason = errno_reason_;
      if (included_from) {
        Diagnostic d = *included_from;
        d.message = "cannot read requirements file '" + file + "' (included with " +
                    std::string(how) + "): " + reason;
        out_.diagnostics.push_back(std::move(d));
      } else {
        out_.diagnostics.push_back({file, 0, 0, "cannot read requirements file: " + reason});
      }
      return;
    }
    // Bytes to text as pip decodes them; what pip would refuse is an error at its line.
    auto decoded = decode_requirements_bytes(
        content, opts_.locale_encoding.empty() ? locale_encoding() : opts_.locale_encoding);
    if (!decoded) {
      size_t at = std::min(decoded.failure().offset, content.size());
      int line = 1 + static_cast<int>(std::count(
                         content.begin(), content.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
      size_t bol = content.rfind('\n', at == 0 ? 0 : at - 1);
      int col = static_cast<int>(at - (bol == std::string::npos || at == 0 ? 0 : bol + 1)) + 1;
      out_.diagnostics.push_back({file, line, col, decoded.failure().message});
      return;
    }
    if (!decoded->warning.empty()) out_.warnings.push_back({file, 0, 0, decoded->warning});
    parse_text(decoded->utf8, file, constraint);
  }

  void parse_text(std::string_view content, const std::string& file, bool constraint) {
    std::string key = identity(file);
    for (size_t k = 0; k < stack_.size(); ++k) {
      if (stack_[k].first == key) {
        std::string chain;
        for (size_t j = k; j < stack_.size(); ++j) chain += stack_[j].second + " -> ";
        chain += file;
        Diagnostic d = current_include_;
        d.message = "include cycle: " + chain;
        out_.diagnostics.push_back(std::move(d));
        return;
      }
    }
    if (!visited_.insert(key + (constraint ? "\x01" : "\x02")).second) return;
    out_.files.push_back(file);
    stack_.emplace_back(key, file);

    if (content.starts_with("\xEF\xBB\xBF")) content.remove_prefix(3);
    if (content.starts_with("\xFF\xFE") || content.starts_with("\xFE\xFF")) {
      out_.diagnostics.push_back(
          {file, 1, 1, "UTF-16 requirements files are not supported; save it as UTF-8"});
      stack_.pop_back();
      return;
    }
    for (auto& ll : logical_lines(content)) handle_line(ll, file, constraint);
    stack_.pop_back();
  }

 private:
  ReadOptions opts_;
  RequirementsFile& out_;
  std::vector<std::pair<std::string, std::string>> stack_;  // (identity, name as spelled)
  std::set<std::string> visited_;
  Diagnostic current_include_;
  std::string errno_reason_;

  static std::string identity(const std::string& file) {
    std::error_code ec;
    fs::path p = fs::weakly_canonical(fs::path(file), ec);
    if (ec) p = fs::absolute(fs::path(file), ec).lexically_normal();
    return p.string();
  }

  bool load(const std::string& file, std::string& content) {
    std::error_code ec;
    if (fs::is_directory(file, ec)) {
      errno_reason_ = "is a directory";
      return false;
    }
    FILE* f = std::fopen(file.c_str(), "rb");
    if (!f) {
      errno_reason_ = std::strerror(errno);
      return false;
    }
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) content.append(buf, n);
    bool bad = std::ferror(f);
    std::fclose(f);
    if (bad) {
      errno_reason_ = "read error";
      return false;
    }
    return true;
  }

  void diag(const std::string& file, const LogicalLine& ll, size_t offset, std::string message) {
    out_.diagnostics.push_back(
        {file, ll.line, ll.column + static_cast<int>(offset), std::move(message)});
  }

  void handle_line(const LogicalLine& ll, const std::string& file, bool constraint) {
    std::string expanded;
    std::string_view line = ll.text;
    if (line.find("${") != std::string_view::npos) {
      expanded = expand_env_vars(line, opts_.getenv);
      line = expanded;
    }

    // break_args_options: words (split on single spaces) up to the first one starting with '-'.
    size_t opt_start = std::string_view::npos;
    for (size_t p = 0; p < line.size();) {
      if (line[p] == '-') {
        opt_start = p;
        break;
      }
      size_t sp = line.find(' ', p);
      if (sp == std::string_view::npos) break;
      p = sp + 1;
    }
    std::string_view args = opt_start == std::string_view::npos
                                ? line
                                : line.substr(0, opt_start == 0 ? 0 : opt_start - 1);
    std::string_view opts_text =
        opt_start == std::string_view::npos ? std::string_view() : line.substr(opt_start);

    LineOptions lo;
    if (!opts_text.empty()) {
      auto words = shlex_split(opts_text);
      if (!words) {
        diag(file, ll, opt_start + words.failure().offset,
             "cannot split options: " + words.failure().message);
        return;
      }
      if (auto err = parse_options(*words, lo)) {
        diag(file, ll, opt_start, "invalid requirements line: " + *err);
        return;
      }
    }

    if (!args.empty()) {
      add_requirement(ll, file, constraint, args, std::move(lo), false);
    } else if (!lo.editables.empty()) {
      std::string value = lo.editables.front();
      add_requirement(ll, file, constraint, value, std::move(lo), true);
    } else {
      for (const auto& [def, value] : lo.seen) {
        if (def->dest == Dest::requirement || def->dest == Dest::constraint) continue;
        if (def->dest == Dest::hash || def->dest == Dest::global_option ||
            def->dest == Dest::install_option || def->dest == Dest::config_settings)
          continue;  // per-requirement options on a line without a requirement: pip ignores them
        out_.options.push_back({file, ll.line, std::string(def->canonical), value});
      }
      if (!lo.requirements.empty())
        include(ll, file, lo.requirements.front(), false, "-r");
      else if (!lo.constraints.empty())
        include(ll, file, lo.constraints.front(), true, "-c");
    }
  }

  void include(const LogicalLine& ll, const std::string& file, const std::string& target,
               bool constraint, std::string_view how) {
    if (!opts_.follow_includes) return;
    Diagnostic at{file, ll.line, ll.column, ""};
    std::string path;
    if (include_is_url(file)) {
      at.message = "cannot follow '" + target + "' from a remote requirements file";
      out_.diagnostics.push_back(at);
      return;
    }
    if (include_is_url(target)) {
      if (url_scheme(target) != "file") {
        at.message = "remote requirements file '" + redact_url(target) + "' (included with " +
                     std::string(how) + ") is not fetched; only local files are checked";
        out_.diagnostics.push_back(at);
        return;
      }
      std::string_view p = std::string_view(target).substr(5);
      if (p.starts_with("//")) {
        p.remove_prefix(2);
        if (p.starts_with("localhost/")) p.remove_prefix(9);
      }
      path = std::string(p);
    } else {
      path = (fs::path(file).parent_path() / fs::path(target)).string();
    }
    Diagnostic saved = current_include_;
    current_include_ = at;
    read_file(path, constraint, &at, how);
    current_include_ = saved;
  }

  // The marker after a URL's or a path's "; " (`marker_text`, a part of `text`; "" none) into
  // e.marker; false after the diagnostic of an invalid one, pointing into the line.
  bool read_marker(const std::string& file, const LogicalLine& ll, std::string_view text,
                   std::string_view marker_text, RequirementEntry& e) {
    if (marker_text.empty()) return true;
    auto m = Marker::parse(marker_text);
    if (!m) {
      diag(file, ll, static_cast<size_t>(marker_text.data() - text.data()) + m.failure().offset,
           "invalid marker: " + m.failure().message);
      return false;
    }
    e.marker = std::move(m).value();
    return true;
  }

  void add_requirement(const LogicalLine& ll, const std::string& file, bool constraint,
                       std::string_view args, LineOptions lo, bool editable) {
    RequirementEntry e;
    e.file = file;
    e.line = ll.line;
    e.raw = ll.text;
    e.constraint = constraint;
    e.hashes = std::move(lo.hashes);
    e.global_options = std::move(lo.global_options);
    e.install_options = std::move(lo.install_options);
    e.config_settings = std::move(lo.config_settings);
    std::string_view text = strip_py_space(args);
    e.text = std::string(text);

    if (editable) {
      e.form = RequirementForm::editable;
      std::string_view target = strip_extras(text);
      e.target = std::string(target);
      std::string scheme = url_scheme(target);
      bool vcs = !vcs_of(target).empty() || scheme == "git" || scheme == "hg" || scheme == "svn" ||
                 scheme == "bzr";
      bool local = !is_pip_url(target) && !vcs;
      if (scheme == "file") local = true;
      if (!local && !vcs) {
        diag(
            file, ll, 0,
            "'" + redact_url(text) +
                "' is not a valid editable requirement: it should be a path to a local project "
                "or a VCS URL (git+https://..., hg+https://..., svn+https://..., bzr+https://...)");
        return;
      }
      std::string egg = egg_fragment(target);
      if (vcs && egg.empty()) {
        diag(file, ll, 0,
             "cannot tell the project name of '" + redact_url(text) +
                 "'; add #egg=<name> to the URL");
        return;
      }
      if (!egg.empty()) name_from(e, egg);
      out_.requirements.push_back(std::move(e));
      return;
    }

    if (is_pip_url(text)) {
      // A URL line: the marker separator is "; " so that ';' can appear inside the URL.
      std::string_view url = text;
      if (size_t sc = text.find("; "); sc != std::string_view::npos) {
        url = strip_py_space(text.substr(0, sc));
        if (!read_marker(file, ll, text, strip_py_space(text.substr(sc + 2)), e)) return;
      }
      e.form = RequirementForm::bare_url;
      e.target = std::string(url);
      if (auto w = parse_wheel_filename(url_filename(url))) {
        name_from(e, w->name + "==" + w->version);
      } else if (std::string egg = egg_fragment(url); !egg.empty()) {
        name_from(e, egg);
      }
      out_.requirements.push_back(std::move(e));
      return;
    }

    // Path-looking text (pip: _looks_like_path or an archive name), unless it reads as
    // "name @ url" because the part before '@' is not a path.
    std::string_view before_marker = text.substr(0, text.find(';'));
    std::string_view candidate = strip_py_space(before_marker);
    std::string_view no_extras = strip_extras(candidate);
    if (looks_like_path(candidate) || is_archive_file(no_extras)) {
      size_t at = candidate.find('@');
      bool pep508 = at != std::string_view::npos && !looks_like_path(candidate.substr(0, at));
      if (!pep508) {
        e.form = RequirementForm::path;
        e.target = std::string(no_extras);
        if (before_marker.size() < text.size()) {
          if (!read_marker(file, ll, text, strip_py_space(text.substr(before_marker.size() + 1)),
                           e))
            return;
        }
        if (auto w = parse_wheel_filename(url_filename(no_extras)))
          name_from(e, w->name + "==" + w->version);
        out_.requirements.push_back(std::move(e));
        return;
      }
    }

    auto req = parse_requirement(text);
    if (!req) {
      diag(file, ll, req.failure().offset,
           "invalid requirement '" + std::string(text) + "': " + req.failure().message);
      return;
    }
    e.form = req->url.empty() ? RequirementForm::named : RequirementForm::url;
    e.name = req->name;
    e.target = req->url;
    e.requirement = std::move(req).value();
    out_.requirements.push_back(std::move(e));
  }

  // The requirement pip derives from an #egg= fragment or a wheel file name.
  static void name_from(RequirementEntry& e, const std::string& req_text) {
    if (auto r = parse_requirement(req_text)) {
      e.name = r->name;
      e.requirement = std::move(r).value();
    } else {
      e.name = req_text.substr(0, req_text.find("=="));
    }
  }
};

}  // namespace

std::vector<LogicalLine> logical_lines(std::string_view content) {
  std::vector<LogicalLine> out;
  std::string joined;
  int primary = 0;
  bool pending = false;
  int joined_column = 1;

  auto emit = [&](int line_no, std::string_view text, int lead_hint) {
    std::string_view body = strip_comment(text);
    size_t b = 0, e = body.size();
    while (b < e && is_py_space(body[b])) ++b;
    while (e > b && is_py_space(body[e - 1])) --e;
    if (b == e) return;
    out.push_back({line_no, std::string(body.substr(b, e - b)), lead_hint + static_cast<int>(b)});
  };

  int line_no = 0;
  size_t i = 0;
  while (i < content.size()) {
    size_t start = i;
    size_t brk = 0;
    while (i < content.size() && (brk = line_break_at(content, i)) == 0) ++i;
    std::string_view line = content.substr(start, i - start);
    i += brk;  // brk is 0 only at the end of the content
    ++line_no;

    bool comment = is_comment_line(line);
    if (line.empty() || line.back() != '\\' || comment) {
      if (pending) {
        if (comment) joined += ' ';
        joined.append(line);
        emit(primary, joined, joined_column);
        joined.clear();
        pending = false;
      } else {
        emit(line_no, line, 1);
      }
    } else {
      if (!pending) {
        primary = line_no;
        pending = true;
        joined_column = 1;
      }
      // line.strip("\\"): backslashes off both ends.
      size_t b = 0, e = line.size();
      while (b < e && line[b] == '\\') ++b;
      while (e > b && line[e - 1] == '\\') --e;
      joined.append(line.substr(b, e - b));
    }
  }
  if (pending) emit(primary, joined, joined_column);
  return out;
}

std::string expand_env_vars(
    std::string_view line,
    const std::function<std::optional<std::string>(std::string_view)>& getenv) {
  std::string out(line);
  // ENV_VAR_RE.findall over the original line, then str.replace of each found token.
  std::vector<std::string_view> names;
  for (size_t p = 0; (p = line.find("${", p)) != std::string_view::npos;) {
    size_t q = p + 2;
    while (q < line.size() && ((line[q] >= 'A' && line[q] <= 'Z') ||
                               (line[q] >= '0' && line[q] <= '9') || line[q] == '_'))
      ++q;
    if (q > p + 2 && q < line.size() && line[q] == '}') {
      names.push_back(line.substr(p + 2, q - p - 2));
      p = q + 1;
    } else {
      p += 2;
    }
  }
  for (auto name : names) {
    auto value = getenv(name);
    if (!value || value->empty()) continue;
    std::string token = "${" + std::string(name) + "}";
    std::string replaced;
    size_t from = 0;
    for (size_t at; (at = out.find(token, from)) != std::string::npos; from = at + token.size()) {
      replaced.append(out, from, at - from);
      replaced += *value;
    }
    replaced.append(out, from, std::string::npos);
    out = std::move(replaced);
  }
  return out;
}

RequirementsFile read_requirements_file(const fs::path& path, const ReadOptions& options) {
  RequirementsFile out;
  RequirementsReader reader(options, out);
  reader.read_file(path.string(), false, nullptr, "");
  return out;
}

RequirementsFile parse_requirements_text(std::string_view content, const std::string& file_name,
                                         const ReadOptions& options) {
  RequirementsFile out;
  RequirementsReader reader(options, out);
  reader.parse_text(content, file_name, false);
  return out;
}

}  // namespace pw::python
