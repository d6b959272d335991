// New code from git: the reference resolution (merge-base, commit, previous build) and a parser
// for the hunk headers of a zero-context unified diff.
#include "analysis/new_code.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "exec/capture.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::analysis {

namespace {

// git quotes unusual paths C-style: "a\"b\303\251.py". Undo it.
std::string unquote(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return std::string(s);
  std::string out;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' || i + 2 >= s.size()) {
      out += c;
      continue;
    }
    char e = s[++i];
    if (e >= '0' && e <= '7' && i + 2 < s.size()) {
      int v = (e - '0') * 64 + (s[i + 1] - '0') * 8 + (s[i + 2] - '0');
      out += static_cast<char>(v);
      i += 2;
    } else {
      out += e == 'n' ? '\n' : e == 't' ? '\t' : e;  // \" and \\ stand for themselves
    }
  }
  return out;
}

// "b/path" -> "path" (the diff's new side); "/dev/null" -> "".
std::string side_path(std::string_view raw) {
  std::string p = unquote(trim(raw));
  if (p == "/dev/null") return {};
  if (p.size() > 2 && (p[0] == 'a' || p[0] == 'b') && p[1] == '/') p.erase(0, 2);
  return p;
}

bool parse_int(std::string_view s, int& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// "+c,d" or "+c" -> start and count (count 1 when left out).
bool parse_range(std::string_view r, int& start, int& count) {
  if (r.empty()) return false;
  r.remove_prefix(1);
  auto comma = r.find(',');
  if (comma == std::string_view::npos) {
    count = 1;
    return parse_int(r, start);
  }
  return parse_int(r.substr(0, comma), start) && parse_int(r.substr(comma + 1), count);
}

}  // namespace

ChangedLines parse_unified_diff(std::string_view diff, std::vector<Diagnostic>* warnings) {
  ChangedLines out;
  std::string current;  // the new side's path of the file being read; "" when none or deleted
  int line_no = 0;
  int pending_old = 0, pending_new = 0;  // hunk body lines still to read
  // The new side's number of the hunk's next '+' line. Lines are recorded as the body is read,
  // not from the header's count: a header claiming two billion lines costs nothing then (a fuzzed
  // "@@ -1 +1,2000000000 @@" took seconds and gigabytes when the header's range was expanded).
  long long next_new = 0;
  std::vector<int>* target = nullptr;  // the current file's lines; null when not recorded
  size_t pos = 0;
  while (pos < diff.size()) {
    size_t nl = diff.find('\n', pos);
    if (nl == std::string_view::npos) nl = diff.size();
    std::string_view line = diff.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (pending_old > 0 || pending_new > 0) {
      if (!line.empty() && line[0] == '-' && pending_old > 0) {
        --pending_old;
        continue;
      }
      if (!line.empty() && line[0] == '+' && pending_new > 0) {
        --pending_new;
        if (target && next_new > 0 && next_new <= std::numeric_limits<int>::max())
          target->push_back(static_cast<int>(next_new));
        ++next_new;
        continue;
      }
      if (!line.empty() && line[0] == '\\') continue;  // "\ No newline at end of file"
      pending_old = pending_new = 0;  // a truncated hunk: read the line as a header
    }
    if (line.starts_with("\\")) continue;
    if (line.starts_with("diff --git ")) {
      current.clear();
      // Until "+++" says otherwise, the new side of "diff --git a/x b/y" (kept for renames and
      // mode changes, which have no "+++" line).
      std::string_view rest = line.substr(11);
      auto b = rest.rfind(" b/");
      if (b != std::string_view::npos) current = side_path(rest.substr(b + 1));
      continue;
    }
    if (line.starts_with("rename to ")) {
      current = unquote(line.substr(10));
      continue;
    }
    if (line.starts_with("deleted file mode")) {
      current.clear();
      continue;
    }
    if (line.starts_with("+++ ")) {
      current = side_path(line.substr(4));
      continue;
    }
    if (line.starts_with("--- ") || line.starts_with("index ") ||
        line.starts_with("Binary files ") || line.starts_with("new file mode") ||
        line.starts_with("old mode") || line.starts_with("new mode") ||
        line.starts_with("similarity index") || line.starts_with("dissimilarity index") ||
        line.starts_with("rename from ") || line.starts_with("copy from ") ||
        line.starts_with("copy to ") || line.empty()) {
      continue;
    }
    if (line.starts_with("@@ ")) {
      auto parts = split(line, ' ');
      int old_start = 0, old_count = 0, new_start = 0, new_count = 0;
      if (parts.size() < 4 || !parse_range(parts[1], old_start, old_count) ||
          !parse_range(parts[2], new_start, new_count) || parts[1][0] != '-' ||
          parts[2][0] != '+') {
        if (warnings)
          warnings->push_back(
              {"git diff", line_no, 1, "malformed hunk header: " + std::string(line)});
        continue;
      }
      pending_old = old_count;
      pending_new = new_count;
      next_new = new_start;
      target = current.empty() || new_count <= 0 ? nullptr : &out[current];
      continue;
    }
    if (warnings)
      warnings->push_back(
          {"git diff", line_no, 1, "unexpected line: " + std::string(line.substr(0, 80))});
  }
  for (auto it = out.begin(); it != out.end();) {
    auto& v = it->second;
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    it = v.empty() ? out.erase(it) : std::next(it);  // a hunk whose body was cut off
  }
  return out;
}

bool NewCode::is_new(std::string_view path, int line) const {
  const auto* v = lines_of(path);
  return v && std::binary_search(v->begin(), v->end(), line);
}

const std::vector<int>* NewCode::lines_of(std::string_view path) const {
  auto it = lines.find(std::string(path));
  return it == lines.end() ? nullptr : &it->second;
}

long long NewCode::line_count() const {
  long long n = 0;
  for (const auto& [p, v] : lines) n += static_cast<long long>(v.size());
  return n;
}

namespace {

std::optional<std::string> resolve(const std::filesystem::path& repo, const std::string& rev) {
  return exec::git(repo, {"rev-parse", "--verify", "--quiet", rev + "^{commit}"});
}

}  // namespace

NewCode compute_new_code(const std::filesystem::path& repo, const NewCodeReference& reference) {
  NewCode nc;
  auto fail = [&](const std::string& why) {
    nc.available = false;
    nc.reason = "cannot compute new code: " + why;
    return nc;
  };
  auto top = exec::git(repo, {"rev-parse", "--show-toplevel"});
  if (!top) return fail(repo.string() + " is not inside a git repository");
  if (!resolve(repo, "HEAD")) return fail("the repository has no commits yet");

  std::string base;
  switch (reference.mode) {
    case ReferenceMode::merge_base: {
      std::string branch = reference.value;
      if (branch.empty()) {
        for (const char* candidate :
             {"main", "master", "origin/HEAD", "origin/main", "origin/master"}) {
          if (resolve(repo, candidate)) {
            branch = candidate;
            break;
          }
        }
        if (branch.empty())
          return fail("no main branch found (tried main, master and the remote's HEAD); name one");
      } else if (!resolve(repo, branch)) {
        return fail("unknown branch '" + branch + "'");
      }
      auto mb = exec::git(repo, {"merge-base", "HEAD", branch});
      if (!mb || mb->empty()) return fail("HEAD and '" + branch + "' have no common history");
      base = *mb;
      nc.reference_label = "merge-base with " + branch;
      break;
    }
    case ReferenceMode::commit:
    case ReferenceMode::previous_build: {
      bool prev = reference.mode == ReferenceMode::previous_build;
      if (reference.value.empty())
        return fail(prev ? "no previous build to compare with" : "no reference commit given");
      auto sha = resolve(repo, reference.value);
      if (!sha) {
        return fail((prev ? "the previous build's commit '" : "unknown commit '") +
                    reference.value + "' is not in this repository's history (shallow clone?)");
      }
      base = *sha;
      nc.reference_label = (prev ? "previous build " : "commit ") + reference.value;
      break;
    }
  }
  nc.reference = base;
  auto diff = exec::capture({"git", "-C", repo.string(), "-c", "core.quotePath=false", "diff",
                             "--unified=0", "--no-color", "--no-ext-diff", "--no-textconv", "-M",
                             "--relative", base, "--"});
  if (!diff.ok()) return fail("git diff failed: " + std::string(trim(diff.err)));
  nc.lines = parse_unified_diff(diff.out, &nc.warnings);
  // Untracked files are new code too (a file created but not yet committed).
  auto untracked = exec::capture({"git", "-C", repo.string(), "-c", "core.quotePath=false",
                                  "ls-files", "--others", "--exclude-standard"});
  if (untracked.ok()) {
    for (const auto& path : split_lines(untracked.out)) {
      if (path.empty()) continue;
      std::string content;
      try {
        content = read_file(repo / path);
      } catch (const std::exception&) {
        continue;
      }
      int n = static_cast<int>(std::count(content.begin(), content.end(), '\n'));
      if (!content.empty() && content.back() != '\n') ++n;
      auto& v = nc.lines[path];
      v.clear();
      for (int l = 1; l <= n; ++l) v.push_back(l);
    }
  }
  nc.available = true;
  return nc;
}

std::optional<NewCodeReference> parse_new_code_reference(const std::string& text) {
  NewCodeReference ref;
  if (text == "branch" || text.empty()) return ref;
  if (text.starts_with("branch:")) {
    ref.value = text.substr(7);
    return ref;
  }
  if (text == "previous-build") {
    ref.mode = ReferenceMode::previous_build;
    return ref;
  }
  if (text.starts_with("commit:") && text.size() > 7) {
    ref.mode = ReferenceMode::commit;
    ref.value = text.substr(7);
    return ref;
  }
  return std::nullopt;
}

std::string new_code_reference_state(const std::filesystem::path& repo) {
  auto head = exec::git(repo, {"rev-parse", "HEAD"}).value_or("");
  auto branch = exec::git(repo, {"rev-parse", "--abbrev-ref", "HEAD"}).value_or("");
  auto tag = exec::git(repo, {"describe", "--tags", "--abbrev=0"}).value_or("");
  std::string main_ref;
  for (const char* m : {"origin/main", "main", "origin/master", "master"})
    if (auto r = exec::git(repo, {"rev-parse", "--verify", "-q", m})) {
      main_ref = *r;
      break;
    }
  return head + " " + branch + " " + tag + " " + main_ref;
}

}  // namespace pw::analysis
