// dpkg status parsing (see dpkg_status.h).
#include "image/dpkg_status.h"

#include <map>

#include "util/strings.h"

namespace pw::image {

namespace {

struct Stanza {
  int line = 0;  // first line, 1-based
  std::map<std::string, std::string, std::less<>> fields;
};

std::string field(const Stanza& s, std::string_view key) {
  auto it = s.fields.find(key);
  return it == s.fields.end() ? std::string() : it->second;
}

}  // namespace

DpkgStatus parse_dpkg_status(std::string_view text, const std::string& file_name,
                             bool require_status) {
  DpkgStatus out;
  std::vector<Stanza> stanzas;
  Stanza cur;
  std::string last_key;
  int n = 0;
  auto flush = [&] {
    if (!cur.fields.empty()) stanzas.push_back(std::move(cur));
    cur = Stanza{};
    last_key.clear();
  };
  for (auto raw : split_lines(text)) {
    ++n;
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) {
      flush();
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      // A continuation line: only the first line of a field matters to the scan.
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      out.warnings.push_back({file_name, n, 0, "not a field line: ignored"});
      continue;
    }
    if (cur.fields.empty()) cur.line = n;
    last_key = std::string(trim(line.substr(0, colon)));
    // dpkg compares field names case-insensitively.
    cur.fields[to_lower(last_key)] = std::string(trim(line.substr(colon + 1)));
  }
  flush();
  for (const auto& s : stanzas) {
    DebPackage p;
    p.name = field(s, "package");
    p.version = field(s, "version");
    p.status = field(s, "status");
    if (p.name.empty()) {
      out.warnings.push_back({file_name, s.line, 0, "stanza without a Package field: skipped"});
      continue;
    }
    if (require_status) {
      auto words = split(p.status, ' ');
      std::vector<std::string> w;
      for (auto& x : words)
        if (!x.empty()) w.push_back(x);
      if (w.size() != 3) {
        out.warnings.push_back(
            {file_name, s.line, 0,
             p.name + ": Status '" + p.status + "' is not 'want flag state': skipped"});
        continue;
      }
      if (w[2] != "installed") {
        ++out.not_installed;
        continue;
      }
    }
    if (p.version.empty()) {
      out.warnings.push_back({file_name, s.line, 0, p.name + ": no Version field: skipped"});
      continue;
    }
    p.architecture = field(s, "architecture");
    std::string src = field(s, "source");
    p.source = p.name;
    p.source_version = p.version;
    if (!src.empty()) {
      auto paren = src.find('(');
      p.source = std::string(trim(src.substr(0, paren)));
      if (paren != std::string::npos) {
        auto close = src.find(')', paren);
        if (close == std::string::npos) {
          out.warnings.push_back(
              {file_name, s.line, 0,
               p.name + ": Source '" + src + "' has no closing ')': its version ignored"});
        } else {
          auto v = trim(std::string_view(src).substr(paren + 1, close - paren - 1));
          if (!v.empty()) p.source_version = std::string(v);
        }
      }
      if (p.source.empty()) p.source = p.name;
    }
    out.packages.push_back(std::move(p));
  }
  return out;
}

}  // namespace pw::image
