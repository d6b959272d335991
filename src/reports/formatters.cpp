// Formatter check output -> Findings: black (--check, --diff) and ruff format (--check, --diff).
// Both say "this file would change"; with a unified diff we can also say which lines, which is
// what an annotation in a review wants.
#include "reports/text.h"
#include "reports/tool_outputs.h"

namespace pw::reports {

namespace {

// Reads unified diffs ("--- a", "+++ b", "@@ -l,n +l,n @@") into one finding per block of
// changed lines, located at the old file's lines.
class DiffReader {
 public:
  DiffReader(std::string tool, const ParseOptions& options)
      : tool_(std::move(tool)), options_(options) {}

  // True when the line belonged to a diff (and was consumed).
  bool feed(std::string_view line) {
    if (line.starts_with("--- ") && !in_hunk_) {
      flush();
      pending_old_ = true;
      return true;
    }
    if (line.starts_with("+++ ") && pending_old_) {
      pending_old_ = false;
      std::string_view path = line.substr(4);
      path = path.substr(0, path.find('\t'));  // black appends "\t<timestamp>"
      file_ = relative_path(detail::valid_utf8(path), options_.root);
      files_.push_back(file_);
      return true;
    }
    if (line.starts_with("@@ -") && !file_.empty() && !in_hunk_) {
      flush();
      // "@@ -7,33 +7,33 @@": start and length of the old and new ranges (length 1 if left out).
      int old_start = 0;
      if (!range(line.substr(4), old_start, old_left_)) return false;
      size_t plus = line.find(" +", 4);
      int new_start = 0;
      if (plus == std::string_view::npos || !range(line.substr(plus + 2), new_start, new_left_)) {
        return false;
      }
      old_line_ = old_start == 0 ? 1 : old_start;  // "-0,0": the file was empty
      in_hunk_ = old_left_ > 0 || new_left_ > 0;
      return true;
    }
    if (!in_hunk_) return false;
    if (line.empty() || line[0] == ' ') {
      flush();
      ++old_line_;
      --old_left_;
      --new_left_;
    } else if (line[0] == '-') {
      if (block_start_ == 0) block_start_ = old_line_;
      block_end_ = old_line_;
      ++removed_;
      ++old_line_;
      --old_left_;
    } else if (line[0] == '+') {
      if (block_start_ == 0) block_start_ = old_line_;
      ++added_;
      added_text_.emplace_back(line.substr(1));
      --new_left_;
    } else if (line[0] == '\\') {
      return true;  // "\ No newline at end of file"
    } else {
      // Not diff text after all (the hunk header lied, or output got interleaved).
      flush();
      in_hunk_ = false;
      return false;
    }
    if (old_left_ <= 0 && new_left_ <= 0) {
      flush();
      in_hunk_ = false;
    }
    return true;
  }

  void flush() {
    if (block_start_ == 0) return;
    Finding f;
    f.tool = tool_;
    f.rule_id = "format";
    f.level = Level::warning;
    f.file = file_;
    f.line = block_start_;
    f.end_line = removed_ > 0 ? block_end_ : block_start_;
    bool blank = true;
    for (const auto& t : added_text_) blank = blank && trim(t).empty();
    if (added_ == 0) {
      f.message = "would delete " + lines(removed_);
    } else if (removed_ == 0 && blank) {
      f.message =
          "would insert " + std::to_string(added_) + " blank line" + (added_ == 1 ? "" : "s");
    } else {
      f.message = std::string(removed_ == 0 ? "would insert:" : "would reformat as:");
      size_t shown = std::min<size_t>(added_text_.size(), 10);
      for (size_t i = 0; i < shown; ++i) f.message += "\n" + detail::valid_utf8(added_text_[i]);
      if (added_text_.size() > shown) {
        f.message += "\n... (" + std::to_string(added_text_.size() - shown) + " more lines)";
      }
    }
    findings_.push_back(std::move(f));
    block_start_ = block_end_ = 0;
    added_ = removed_ = 0;
    added_text_.clear();
  }

  std::vector<Finding>& findings() { return findings_; }
  const std::vector<std::string>& files() const { return files_; }

 private:
  // "7,33" or "7" -> start, length.
  static bool range(std::string_view s, int& start, int& length) {
    s = s.substr(0, s.find(' '));
    size_t comma = s.find(',');
    auto a = detail::parse_int(s.substr(0, comma));
    auto b = comma == std::string_view::npos ? std::optional<long long>(1)
                                             : detail::parse_int(s.substr(comma + 1));
    if (!a || !b || *a < 0 || *b < 0) return false;
    start = static_cast<int>(*a);
    length = static_cast<int>(*b);
    return true;
  }

  static std::string lines(int n) { return std::to_string(n) + (n == 1 ? " line" : " lines"); }

  std::string tool_;
  const ParseOptions& options_;
  std::vector<Finding> findings_;
  std::vector<std::string> files_;
  std::string file_;
  bool pending_old_ = false;
  bool in_hunk_ = false;
  int old_line_ = 0;
  int old_left_ = 0, new_left_ = 0;  // lines of the hunk still to come
  int block_start_ = 0, block_end_ = 0;
  int added_ = 0, removed_ = 0;
  std::vector<std::string> added_text_;
};

Finding file_finding(std::string tool, std::string_view path, const ParseOptions& options) {
  Finding f;
  f.tool = std::move(tool);
  f.rule_id = "format";
  f.level = Level::warning;
  f.file = relative_path(detail::valid_utf8(trim(path)), options.root);
  f.message = "would reformat";
  return f;
}

// Keeps the per-file findings only for files the diff did not already cover block by block.
FindingsResult finish(std::vector<Finding> per_file, DiffReader& diff) {
  diff.flush();
  FindingsResult out;
  out.value = std::move(diff.findings());
  for (auto& f : per_file) {
    bool covered = false;
    for (const auto& d : out.value)
      covered = covered || (d.file == f.file && d.rule_id == "format");
    if (!covered || f.rule_id != "format") out.value.push_back(std::move(f));
  }
  return out;
}

bool is_black_chatter(std::string_view line) {
  return line.starts_with("Oh no!") || line.starts_with("All done!") ||
         line.find(" would be reformatted") != std::string_view::npos ||
         line.find(" would be left unchanged") != std::string_view::npos ||
         line.find(" would fail to reformat") != std::string_view::npos ||
         line.find(" reformatted") != std::string_view::npos ||
         line.find(" left unchanged") != std::string_view::npos ||
         line.find(" failed to reformat") != std::string_view::npos ||
         line.starts_with("reformatted ") || line.starts_with("warning: ") ||
         line.starts_with("Skipping ") || line.starts_with("Identified ");
}

}  // namespace

FindingsResult parse_black(std::string_view text, const ParseOptions& options) {
  std::vector<Finding> per_file;
  DiffReader diff("black", options);
  detail::UnrecognisedLines unknown(detail::source_name(options, "black output"), "black");
  detail::for_each_line(text, [&](std::string_view line, int number) {
    if (diff.feed(line)) return;
    if (trim(line).empty()) return;
    if (line.starts_with("would reformat ")) {
      per_file.push_back(file_finding("black", line.substr(15), options));
    } else if (line.starts_with("error: cannot format ")) {
      // "error: cannot format broken.py: Cannot parse: 2:11: def broken(:"
      std::string_view rest = line.substr(21);
      size_t sep = rest.find(": ");
      Finding f = file_finding("black", rest.substr(0, sep), options);
      f.rule_id = "parse-error";
      f.level = Level::error;
      std::string_view reason = sep == std::string_view::npos ? "" : rest.substr(sep + 2);
      f.message = "cannot format: " + detail::valid_utf8(reason);
      if (reason.starts_with("Cannot parse: ")) {
        std::string_view pos = reason.substr(14);
        size_t c1 = pos.find(':');
        size_t c2 = c1 == std::string_view::npos ? c1 : pos.find(':', c1 + 1);
        auto l = detail::parse_int(pos.substr(0, c1));
        auto c = c2 == std::string_view::npos ? std::nullopt
                                              : detail::parse_int(pos.substr(c1 + 1, c2 - c1 - 1));
        if (l) f.line = static_cast<int>(*l);
        if (c) f.column = static_cast<int>(*c) + 1;  // black's parser columns are 0-based
      }
      per_file.push_back(std::move(f));
    } else if (!is_black_chatter(line)) {
      unknown.add(line, number);
    }
  });
  FindingsResult out = finish(std::move(per_file), diff);
  unknown.flush_to(out.warnings);
  assign_fingerprints(out.value);
  return out;
}

FindingsResult parse_ruff_format(std::string_view text, const ParseOptions& options) {
  std::vector<Finding> per_file;
  std::vector<Diagnostic> tool_warnings;
  std::string source = detail::source_name(options, "ruff format output");
  DiffReader diff("ruff-format", options);
  detail::UnrecognisedLines unknown(source, "ruff format");
  detail::for_each_line(text, [&](std::string_view line, int number) {
    if (diff.feed(line)) return;
    if (trim(line).empty()) return;
    if (line.starts_with("Would reformat: ")) {
      per_file.push_back(file_finding("ruff-format", line.substr(16), options));
    } else if (line.starts_with("error: Failed to parse ")) {
      // "error: Failed to parse broken.py:2:12: Expected a parameter name"
      std::string_view rest = line.substr(23);
      Finding f = file_finding("ruff-format", rest, options);
      f.rule_id = "parse-error";
      f.level = Level::error;
      f.message = "cannot format: " + detail::valid_utf8(rest);
      for (size_t colon = rest.find(':'); colon != std::string_view::npos;
           colon = rest.find(':', colon + 1)) {
        size_t c2 = rest.find(':', colon + 1);
        size_t c3 = c2 == std::string_view::npos ? c2 : rest.find(':', c2 + 1);
        if (c3 == std::string_view::npos) break;
        auto l = detail::parse_int(rest.substr(colon + 1, c2 - colon - 1));
        auto c = detail::parse_int(rest.substr(c2 + 1, c3 - c2 - 1));
        if (l && c) {
          f.file = relative_path(detail::valid_utf8(rest.substr(0, colon)), options.root);
          f.line = static_cast<int>(*l);
          f.column = static_cast<int>(*c);
          f.message = "cannot format: " + detail::valid_utf8(trim(rest.substr(c3 + 1)));
          break;
        }
      }
      per_file.push_back(std::move(f));
    } else if (line.starts_with("warning: ")) {
      tool_warnings.push_back({source, number, 0, "ruff: " + detail::valid_utf8(line.substr(9))});
    } else if (line.find(" would be reformatted") == std::string_view::npos &&
               line.find(" already formatted") == std::string_view::npos &&
               line.find(" left unchanged") == std::string_view::npos &&
               line.find(" reformatted") == std::string_view::npos) {
      unknown.add(line, number);
    }
  });
  FindingsResult out = finish(std::move(per_file), diff);
  out.warnings = std::move(tool_warnings);
  unknown.flush_to(out.warnings);
  assign_fingerprints(out.value);
  return out;
}

}  // namespace pw::reports
