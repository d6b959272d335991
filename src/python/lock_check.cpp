// Lock enforcement over a parsed requirements file set. Each requirement is judged on its own
// line; cross-line facts (constraint pins, duplicate pins, hash-checking mode) are gathered in a
// first pass so that the second pass can report everything in reading order.
#include "python/lock_check.h"

#include <unordered_map>

#include "python/names.h"
#include "python/url.h"

namespace pw::python {

std::string_view violation_kind_name(ViolationKind kind) {
  switch (kind) {
    case ViolationKind::not_pinned:
      return "not-pinned";
    case ViolationKind::range:
      return "range";
    case ViolationKind::wildcard:
      return "wildcard";
    case ViolationKind::multiple_specifiers:
      return "multiple-specifiers";
    case ViolationKind::constraint_conflict:
      return "constraint-conflict";
    case ViolationKind::conflicting_pins:
      return "conflicting-pins";
    case ViolationKind::url_forbidden:
      return "url-forbidden";
    case ViolationKind::url_not_immutable:
      return "url-not-immutable";
    case ViolationKind::editable_forbidden:
      return "editable-forbidden";
    case ViolationKind::editable_not_immutable:
      return "editable-not-immutable";
    case ViolationKind::missing_hash:
      return "missing-hash";
    case ViolationKind::cannot_hash:
      return "cannot-hash";
  }
  return "";
}

namespace {

std::string where(const RequirementEntry& e) { return e.file + ":" + std::to_string(e.line); }

// The single exact pin of a specifier set (==X without wildcard, or ===X), else nullptr.
const Specifier* exact_pin(const SpecifierSet& set) {
  if (set.size() != 1) return nullptr;
  const Specifier& s = set.specifiers().front();
  if (s.op() == Specifier::Op::arbitrary) return &s;
  if (s.op() == Specifier::Op::equal && !s.is_wildcard()) return &s;
  return nullptr;
}

const Marker* marker_of(const RequirementEntry& e) {
  if (e.requirement && e.requirement->marker) return &*e.requirement->marker;
  if (e.marker) return &*e.marker;
  return nullptr;
}

std::string display_spec(const RequirementEntry& e) {
  switch (e.form) {
    case RequirementForm::named:
      return e.requirement ? e.requirement->specifier_text : "";
    case RequirementForm::url:
      return "@ " + redact_url(e.target);
    case RequirementForm::bare_url:
      return redact_url(e.target);
    case RequirementForm::path:
      return e.target;
    case RequirementForm::editable:
      return "-e " + redact_url(e.target);
  }
  return "";
}

bool strong_url_hash(const std::string& url) {
  auto h = hash_fragment(url);
  return h && (h->algorithm == "sha256" || h->algorithm == "sha384" || h->algorithm == "sha512");
}

std::string range_reason(const Specifier& s) {
  std::string op(s.op_str());
  switch (s.op()) {
    case Specifier::Op::not_equal:
      return "`!=` only excludes a version, it is not a pin";
    case Specifier::Op::compatible:
      return "`~=` allows any compatible release, not one version";
    case Specifier::Op::equal:  // wildcard
      return "wildcard `" + s.str() + "` is not one exact version";
    default:
      return "`" + op + "` is a range, not a pin";
  }
}

class Checker {
 public:
  Checker(const RequirementsFile& parsed, const LockCheckOptions& options, LockCheckResult& out)
      : parsed_(parsed), opt_(options), out_(out) {}

  void run() {
    out_.diagnostics = parsed_.diagnostics;
    out_.warnings = parsed_.warnings;
    out_.files = parsed_.files;
    gather();
    for (const auto& e : parsed_.requirements) {
      if (e.constraint) continue;
      if (opt_.environment) {
        if (const Marker* m = marker_of(e)) {
          auto applies = m->evaluate(*opt_.environment);
          if (applies && !*applies) {
            ++out_.skipped_by_marker;
            continue;
          }
          if (!applies)
            out_.diagnostics.push_back(
                {e.file, e.line, 0, "cannot evaluate marker: " + applies.error()});
        }
      }
      std::string norm = e.normalized_name();
      auto allow = lookup_allow(e, norm);
      if (allow) {
        out_.allowed.push_back({e.file, e.line, e.name, display_spec(e), *allow});
        continue;
      }
      ++out_.checked;
      switch (e.form) {
        case RequirementForm::named:
          check_named(e, norm);
          break;
        case RequirementForm::url:
        case RequirementForm::bare_url:
          check_url(e);
          break;
        case RequirementForm::editable:
        case RequirementForm::path:
          check_local(e);
          break;
      }
    }
  }

 private:
  const RequirementsFile& parsed_;
  const LockCheckOptions& opt_;
  LockCheckResult& out_;
  // normalized name -> the first constraint line pinning it exactly
  std::unordered_map<std::string, const RequirementEntry*> constraint_pins_;
  // normalized name -> some constraint line for it carrying --hash
  std::unordered_map<std::string, const RequirementEntry*> constraint_hashes_;
  // normalized name -> first unconditional exact pin among requirements
  std::unordered_map<std::string, const RequirementEntry*> pins_;

  void gather() {
    if (opt_.require_hashes) {
      out_.hashes_required = true;
      out_.hashes_required_because = "the lock-check stage requires hashes";
    }
    for (const auto& o : parsed_.options) {
      if (!out_.hashes_required && o.option == "--require-hashes") {
        out_.hashes_required = true;
        out_.hashes_required_because =
            "--require-hashes at " + o.file + ":" + std::to_string(o.line);
      }
    }
    for (const auto& e : parsed_.requirements) {
      // pip (cli/req_command.py) switches to hash-checking mode when any requirement *or
      // constraint* carries --hash.
      if (!out_.hashes_required && e.has_hash()) {
        out_.hashes_required = true;
        out_.hashes_required_because =
            "--hash at " + where(e) + " puts pip in hash-checking mode for every requirement";
      }
      if (e.constraint) {
        std::string norm = e.normalized_name();
        if (norm.empty()) continue;
        if (e.requirement && exact_pin(e.requirement->specifier) && e.requirement->url.empty())
          constraint_pins_.emplace(norm, &e);
        if (e.has_hash()) constraint_hashes_.emplace(norm, &e);
      }
    }
  }

  std::optional<std::string> lookup_allow(const RequirementEntry& e, const std::string& norm) {
    if (!norm.empty())
      if (auto it = opt_.allow.find(norm); it != opt_.allow.end()) return it->second;
    if (!e.target.empty())
      if (auto it = opt_.allow.find(e.target); it != opt_.allow.end()) return it->second;
    if (auto it = opt_.allow.find(e.text); it != opt_.allow.end()) return it->second;
    return std::nullopt;
  }

  void add(const RequirementEntry& e, ViolationKind kind, std::string reason,
           std::string suggestion = "") {
    out_.violations.push_back(
        {e.file, e.line, e.name, display_spec(e), kind, std::move(reason), std::move(suggestion)});
  }

  std::string suggest(const RequirementEntry& e, const std::string& norm, std::string& note) {
    auto it = opt_.installed.find(norm);
    if (it == opt_.installed.end()) return "";
    std::string s = e.name;
    if (e.requirement && !e.requirement->extras.empty()) {
      s += '[';
      for (size_t k = 0; k < e.requirement->extras.size(); ++k) {
        if (k) s += ',';
        s += e.requirement->extras[k];
      }
      s += ']';
    }
    s += "==" + it->second;
    if (e.requirement && !e.requirement->specifier.empty()) {
      auto v = Version::parse(it->second);
      if (v && !e.requirement->specifier.contains(*v, true))
        note = " (installed " + it->second + " is outside it)";
    }
    return s;
  }

  void hash_rule(const RequirementEntry& e, const std::string& norm, bool url_hash_ok) {
    if (!out_.hashes_required || e.has_hash() || url_hash_ok) return;
    if (!norm.empty() && constraint_hashes_.count(norm)) return;
    add(e, ViolationKind::missing_hash,
        "no --hash while hashes are required (" + out_.hashes_required_because + ")");
  }

  void cannot_hash(const RequirementEntry& e, std::string_view what) {
    if (!out_.hashes_required) return;
    add(e, ViolationKind::cannot_hash,
        "pip cannot hash-check " + std::string(what) + ", and hashes are required (" +
            out_.hashes_required_because + ")");
  }

  void check_named(const RequirementEntry& e, const std::string& norm) {
    const Requirement& r = *e.requirement;
    const Marker* marker = marker_of(e);
    if (const Specifier* pin = exact_pin(r.specifier)) {
      if (!marker) check_duplicate(e, norm, *pin);
      hash_rule(e, norm, false);
      return;
    }
    // Not pinned on its own line: a constraint pin may still fix the version.
    auto c = constraint_pins_.find(norm);
    if (c != constraint_pins_.end()) {
      const Specifier& cpin = *exact_pin(c->second->requirement->specifier);
      bool inside = true;
      if (!r.specifier.empty() && cpin.version())
        inside = r.specifier.contains(*cpin.version(), true);
      if (!inside) {
        add(e, ViolationKind::constraint_conflict,
            "the constraint " + cpin.str() + " at " + where(*c->second) + " is outside `" +
                r.specifier_text + "`");
      }
      hash_rule(e, norm, false);
      return;
    }
    std::string note;
    std::string suggestion = suggest(e, norm, note);
    if (r.specifier.empty()) {
      add(e, ViolationKind::not_pinned, "not pinned", suggestion);
    } else if (r.specifier.size() > 1) {
      add(e, ViolationKind::multiple_specifiers,
          "`" + r.specifier_text + "` is several specifiers, not one exact pin" + note, suggestion);
    } else {
      const Specifier& s = r.specifier.specifiers().front();
      add(e, s.is_wildcard() ? ViolationKind::wildcard : ViolationKind::range,
          range_reason(s) + note, suggestion);
    }
    hash_rule(e, norm, false);
  }

  void check_duplicate(const RequirementEntry& e, const std::string& norm, const Specifier& pin) {
    auto [it, inserted] = pins_.emplace(norm, &e);
    if (inserted) return;
    const Specifier& first = *exact_pin(it->second->requirement->specifier);
    bool same = first.version() && pin.version() && first.op() == pin.op()
                    ? compare(*first.version(), *pin.version()) == 0
                    : first.str() == pin.str();
    if (!same)
      add(e, ViolationKind::conflicting_pins,
          "pinned " + pin.str() + " here but " + first.str() + " at " + where(*it->second));
  }

  // Whether a VCS URL is at a full commit id; fills `why` when not.
  static bool vcs_pinned(const std::string& url, std::string& why) {
    std::string rev = vcs_revision(url);
    if (is_commit_id(rev)) return true;
    if (rev.empty())
      why =
          "VCS URL without a revision follows the default branch; pin a full commit id (@<40 hex>)";
    else
      why = "`@" + rev + "` is a branch or tag, which can move; pin a full commit id";
    return false;
  }

  void check_url(const RequirementEntry& e) {
    std::string norm = e.normalized_name();
    bool vcs = !vcs_of(e.target).empty();
    bool url_hash = strong_url_hash(e.target);
    if (opt_.urls == Policy::forbid) {
      add(e, ViolationKind::url_forbidden, "URL requirements are not allowed by the lock policy");
    } else if (opt_.urls == Policy::pinned_only) {
      std::string why;
      if (vcs) {
        if (!vcs_pinned(e.target, why)) add(e, ViolationKind::url_not_immutable, why);
      } else if (!url_hash && !e.has_hash()) {
        add(e, ViolationKind::url_not_immutable,
            "URL without a hash (#sha256=... or --hash) can serve different content");
      }
    }
    if (vcs)
      cannot_hash(e, "a VCS requirement");
    else
      hash_rule(e, norm, url_hash);
  }

  void check_local(const RequirementEntry& e) {
    bool editable = e.form == RequirementForm::editable;
    std::string scheme = url_scheme(e.target);
    bool vcs = !vcs_of(e.target).empty() || scheme == "git" || scheme == "hg" || scheme == "svn" ||
               scheme == "bzr";
    const char* what = editable ? "editable requirements" : "local path requirements";
    if (opt_.editables == Policy::forbid) {
      add(e, ViolationKind::editable_forbidden,
          std::string(what) + " are not allowed by the lock policy");
    } else if (opt_.editables == Policy::pinned_only && vcs) {
      std::string why;
      if (!vcs_pinned(e.target, why)) add(e, ViolationKind::editable_not_immutable, why);
    }
    if (editable)
      cannot_hash(e, "an editable requirement");
    else if (is_archive_file(e.target))
      hash_rule(e, e.normalized_name(), false);
    else
      cannot_hash(e, "a local directory");
  }
};

}  // namespace

LockCheckResult check_lock(const RequirementsFile& parsed, const LockCheckOptions& options) {
  LockCheckResult out;
  Checker(parsed, options, out).run();
  return out;
}

LockCheckResult check_lock(const std::filesystem::path& root, const LockCheckOptions& options) {
  return check_lock(read_requirements_file(root, options.read), options);
}

std::string format_violation(const LockViolation& v) {
  std::string out = v.file + ":" + std::to_string(v.line) + ": ";
  std::string what = v.name;
  if (!v.spec.empty()) {
    if (!what.empty()) what += ' ';
    what += v.spec;
  }
  out += what + ": " + v.reason;
  if (!v.suggestion.empty()) out += " \u2014 use " + v.suggestion;
  return out;
}

std::string format_allowed(const AllowedEntry& a) {
  std::string out = a.file + ":" + std::to_string(a.line) + ": ";
  std::string what = a.name;
  if (!a.spec.empty()) {
    if (!what.empty()) what += ' ';
    what += a.spec;
  }
  return out + what + ": allowed: " + a.reason;
}

void make_paths_relative(LockCheckResult& result, const std::filesystem::path& base) {
  auto rel = [&](const std::string& f) {
    std::error_code ec;
    auto r = std::filesystem::relative(f, base, ec);
    return ec || r.empty() ? f : r.string();
  };
  for (auto& v : result.violations) v.file = rel(v.file);
  for (auto& a : result.allowed) a.file = rel(a.file);
  for (auto& d : result.diagnostics) d.file = rel(d.file);
  for (auto& d : result.warnings) d.file = rel(d.file);
}

}  // namespace pw::python
