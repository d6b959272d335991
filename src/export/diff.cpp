#include "export/diff.h"

#include <algorithm>
#include <vector>

#include "util/strings.h"

namespace pw::ci {

namespace {

struct Edit {
  char op;  // ' ', '-', '+'
  std::string text;
};

// Longest common subsequence over lines: files are a few hundred lines, so O(n*m) is fine.
std::vector<Edit> edits(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> l(n + 1, std::vector<int>(m + 1, 0));
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      l[i][j] = a[i] == b[j] ? l[i + 1][j + 1] + 1 : std::max(l[i + 1][j], l[i][j + 1]);
  std::vector<Edit> out;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      out.push_back({' ', a[i++]});
      ++j;
    } else if (i < n && (j == m || l[i + 1][j] >= l[i][j + 1])) {
      out.push_back({'-', a[i++]});  // removals first, as diff -u prints them
    } else {
      out.push_back({'+', b[j++]});
    }
  }
  return out;
}

}  // namespace

std::string unified_diff(const std::string& a, const std::string& b, const std::string& from,
                         const std::string& to) {
  if (a == b) return "";
  auto e = edits(split_lines(a), split_lines(b));
  std::string out = "--- " + from + "\n+++ " + to + "\n";
  const size_t ctx = 3;
  size_t k = 0;
  while (k < e.size()) {
    if (e[k].op == ' ') {
      ++k;
      continue;
    }
    // A hunk: from ctx lines before this change to ctx lines after the last change near it.
    size_t start = k >= ctx ? k - ctx : 0;
    size_t end = k;
    while (end < e.size()) {
      if (e[end].op != ' ') {
        ++end;
        continue;
      }
      size_t run = end;
      while (run < e.size() && e[run].op == ' ') ++run;
      if (run == e.size() || run - end > 2 * ctx) {
        end = std::min(e.size(), end + ctx);
        break;
      }
      end = run;
    }
    size_t a0 = 0, b0 = 0;
    for (size_t x = 0; x < start; ++x) {
      if (e[x].op != '+') ++a0;
      if (e[x].op != '-') ++b0;
    }
    size_t an = 0, bn = 0;
    for (size_t x = start; x < end; ++x) {
      if (e[x].op != '+') ++an;
      if (e[x].op != '-') ++bn;
    }
    out += "@@ -" + std::to_string(an ? a0 + 1 : a0) + "," + std::to_string(an) + " +" +
           std::to_string(bn ? b0 + 1 : b0) + "," + std::to_string(bn) + " @@\n";
    for (size_t x = start; x < end; ++x) out += std::string(1, e[x].op) + e[x].text + "\n";
    k = end;
  }
  if (out.find("\n@@") == std::string::npos)
    out += "(the texts differ only in line endings or the final newline)\n";
  return out;
}

}  // namespace pw::ci
