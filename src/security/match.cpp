// The OSV range evaluation and the merging of one vulnerability's several ids.
#include "security/match.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "security/semver.h"
#include "security/store.h"

namespace pw::security {

QueryVersion make_query(std::string_view ecosystem, std::string_view version) {
  QueryVersion q;
  q.scheme = scheme_for(ecosystem);
  q.text = std::string(version);
  if (q.scheme) q.parsed = q.scheme->parse(version, nullptr);
  q.key = q.parsed ? q.parsed->key() : q.text;
  q.semver = semver_scheme().parse(version, nullptr);
  return q;
}

namespace {

// Order: bottom < every parsed version < top.
bool event_less(const PreparedEvent& a, const PreparedEvent& b) {
  if (a.rank != b.rank || a.rank != 0) return a.rank < b.rank;
  return a.parsed->compare(*b.parsed) < 0;
}

// v compared with an event's version: bottom is below every version, top above.
int cmp(const ParsedVersion& v, const PreparedEvent& e) {
  if (e.rank != 0) return -e.rank;
  return v.compare(*e.parsed);
}

// The smallest fixed event above v in a sorted range, or nullptr.
const PreparedEvent* next_fix(const PreparedRange& range, const ParsedVersion& v) {
  for (const auto& e : range.events)
    if (e.kind == EventKind::fixed && cmp(v, e) < 0) return &e;
  return nullptr;
}

bool includes(const PreparedRange& range, const ParsedVersion& v) {
  if (!range.usable) return false;
  bool has_limit = false, before_limit = false;
  for (const auto& e : range.events) {
    if (e.kind != EventKind::limit) continue;
    has_limit = true;
    if (cmp(v, e) < 0) before_limit = true;
  }
  if (has_limit && !before_limit) return false;
  bool vulnerable = false;
  for (const auto& e : range.events) {
    switch (e.kind) {
      case EventKind::introduced:
        if (cmp(v, e) >= 0) vulnerable = true;
        break;
      case EventKind::fixed:
        if (cmp(v, e) >= 0) vulnerable = false;
        break;
      case EventKind::last_affected:
        if (cmp(v, e) > 0) vulnerable = false;
        break;
      case EventKind::limit:
        break;
    }
  }
  return vulnerable;
}

}  // namespace

PreparedRange prepare_range(const Range& range, const VersionScheme* scheme) {
  return prepare_range(range, scheme, nullptr);
}

PreparedRange prepare_range(const Range& range, const VersionScheme* scheme,
                            ParsedVersions* parsed) {
  PreparedRange out;
  out.semver = range.type == RangeType::semver;
  if (out.semver)
    scheme = &semver_scheme();
  else if (range.type != RangeType::ecosystem || !scheme)
    return out;
  out.events.reserve(range.events.size());
  for (const auto& e : range.events) {
    PreparedEvent p;
    p.kind = e.kind;
    p.version = e.version;
    if (e.kind == EventKind::introduced && e.version == "0") {
      p.rank = -1;
    } else if (e.kind == EventKind::limit && e.version.find('*') != std::string::npos) {
      p.rank = 1;
    } else {
      if (parsed) {
        // SemVer parses share the cache under their own keys ("\1" cannot start a version).
        std::string key = out.semver ? "\1" + e.version : e.version;
        auto it = parsed->find(key);
        if (it == parsed->end())
          it = parsed->emplace(std::move(key), scheme->parse(e.version, nullptr)).first;
        p.parsed = it->second;
      } else {
        p.parsed = scheme->parse(e.version, nullptr);
      }
      if (!p.parsed) return PreparedRange{};
    }
    out.events.push_back(std::move(p));
  }
  // Records mostly list events in order already; checking is cheaper than sorting.
  if (!std::is_sorted(out.events.begin(), out.events.end(), event_less))
    std::stable_sort(out.events.begin(), out.events.end(), event_less);
  out.usable = true;
  return out;
}

namespace {

// The query version in the range's order.
const ParsedVersion* version_for(const PreparedRange& range, const QueryVersion& v) {
  return range.semver ? v.semver.get() : v.parsed.get();
}

}  // namespace

bool range_includes(const PreparedRange& range, const QueryVersion& v) {
  const ParsedVersion* pv = version_for(range, v);
  return pv && includes(range, *pv);
}

bool range_includes(const Range& range, const QueryVersion& v) {
  return range_includes(prepare_range(range, v.scheme), v);
}

Verdict evaluate(const std::vector<PreparedRange>& ranges, bool listed, const QueryVersion& v) {
  Verdict out;
  out.affected = listed;
  // A fix event and whether it is SemVer: versions of the two orders are never compared.
  using Fix = std::pair<const PreparedEvent*, bool>;
  std::vector<Fix> fixes;
  std::vector<Fix> other_fixes;  // of ranges that do not include v
  for (const auto& range : ranges) {
    if (!range.usable) continue;
    const ParsedVersion* pv = version_for(range, v);
    if (!pv) continue;
    const PreparedEvent* fix = next_fix(range, *pv);
    if (includes(range, *pv)) {
      out.affected = true;
      if (fix) fixes.emplace_back(fix, range.semver);
    } else if (fix) {
      other_fixes.emplace_back(fix, range.semver);
    }
  }
  // Listed but in no range (the list and the ranges disagree): any range's next fix is the best
  // advice there is.
  if (out.affected && fixes.empty()) fixes = other_fixes;
  if (!out.affected) return out;
  // The ecosystem's fixes in its order, then SemVer ones in theirs.
  std::stable_sort(fixes.begin(), fixes.end(), [](const Fix& a, const Fix& b) {
    if (a.second != b.second) return b.second;
    return a.first->parsed->compare(*b.first->parsed) < 0;
  });
  for (size_t i = 0; i < fixes.size(); ++i) {
    const Fix& f = fixes[i];
    bool dup = false;
    for (size_t k = 0; k < i && !dup; ++k) {
      const Fix& g = fixes[k];
      dup = g.second == f.second ? g.first->parsed->compare(*f.first->parsed) == 0
                                 : g.first->version == f.first->version;
    }
    if (!dup) out.fixed.push_back(f.first->version);
  }
  return out;
}

Verdict evaluate(const Affected& affected, const QueryVersion& v) {
  bool listed = std::find(affected.version_keys.begin(), affected.version_keys.end(), v.key) !=
                affected.version_keys.end();
  std::vector<PreparedRange> ranges;
  for (const auto& r : affected.ranges) ranges.push_back(prepare_range(r, v.scheme));
  return evaluate(ranges, listed, v);
}

namespace {

// Fixed versions in version order, unique by version equality (text order and equality for
// versions the scheme cannot parse).
std::vector<std::string> sorted_fixed(std::vector<std::string> fixed, std::string_view ecosystem) {
  if (fixed.size() < 2) return fixed;  // already in order and unique
  const VersionScheme* scheme = scheme_for(ecosystem);
  std::vector<std::pair<std::unique_ptr<ParsedVersion>, std::string>> parsed;
  parsed.reserve(fixed.size());
  for (auto& f : fixed)
    parsed.emplace_back(scheme ? scheme->parse(f, nullptr) : nullptr, std::move(f));
  std::stable_sort(parsed.begin(), parsed.end(), [](const auto& a, const auto& b) {
    if (a.first && b.first) return a.first->compare(*b.first) < 0;
    return a.second < b.second;
  });
  std::vector<std::string> out;
  for (size_t i = 0; i < parsed.size(); ++i) {
    bool dup = i > 0 && (parsed[i].first && parsed[i - 1].first
                             ? parsed[i].first->compare(*parsed[i - 1].first) == 0
                             : parsed[i].second == parsed[i - 1].second);
    if (!dup) out.push_back(std::move(parsed[i].second));
  }
  return out;
}

// `ids` sorted, unique and without `own`.
void normalize_aliases(std::vector<std::string>& ids, const std::string& own) {
  bool clean = true;
  for (size_t i = 0; i < ids.size() && clean; ++i)
    clean = ids[i] != own && (i == 0 || ids[i - 1] < ids[i]);
  if (clean) return;  // the usual case: a record's aliases as the store keeps them
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ids.erase(std::remove(ids.begin(), ids.end(), own), ids.end());
}

}  // namespace

std::vector<Match> merge_aliases(std::vector<Match> matches) {
  const size_t n = matches.size();
  // Union-find over matches sharing any id (own id or alias): equal ids are adjacent once the
  // (id, match) pairs are sorted.
  std::vector<size_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  if (n > 1) {
    std::vector<std::pair<std::string_view, size_t>> owners;
    for (size_t i = 0; i < n; ++i) {
      owners.emplace_back(matches[i].id, i);
      for (const auto& a : matches[i].aliases) owners.emplace_back(a, i);
    }
    std::sort(owners.begin(), owners.end());
    for (size_t k = 1; k < owners.size(); ++k) {
      if (owners[k].first == owners[k - 1].first)
        parent[find(owners[k].second)] = find(owners[k - 1].second);
    }
  }
  bool singletons = true;
  for (size_t i = 0; i < n && singletons; ++i) singletons = find(i) == i;
  if (singletons) {  // the usual case: nothing to merge, only each one's lists put in order
    for (Match& m : matches) {
      normalize_aliases(m.aliases, m.id);
      m.fixed = sorted_fixed(std::move(m.fixed), m.ecosystem);
    }
    std::sort(matches.begin(), matches.end(),
              [](const Match& a, const Match& b) { return a.id < b.id; });
    return matches;
  }
  // Members of each group in match order, groups one after the other.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::vector<size_t> root(n);
  for (size_t i = 0; i < n; ++i) root[i] = find(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return root[a] < root[b]; });

  auto better = [&](const Match& a, const Match& b) {  // a preferred as the kept record
    bool as = a.severity.score.has_value(), bs = b.severity.score.has_value();
    if (as != bs) return as;
    bool ad = a.severity.rating != Rating::unknown, bd = b.severity.rating != Rating::unknown;
    if (ad != bd) return ad;
    return a.id < b.id;
  };
  std::vector<Match> out;
  out.reserve(n);
  for (size_t g = 0; g < n;) {
    size_t end = g + 1;
    while (end < n && root[order[end]] == root[order[g]]) ++end;
    if (end - g == 1) {  // one record: nothing to merge, only its lists to put in order
      Match m = std::move(matches[order[g]]);
      normalize_aliases(m.aliases, m.id);
      m.fixed = sorted_fixed(std::move(m.fixed), m.ecosystem);
      out.push_back(std::move(m));
      g = end;
      continue;
    }
    size_t best = order[g];
    for (size_t k = g; k < end; ++k)
      if (better(matches[order[k]], matches[best])) best = order[k];
    std::vector<std::string> ids;
    std::vector<std::string> fixed;
    for (size_t k = g; k < end; ++k) {
      const Match& x = matches[order[k]];
      ids.push_back(x.id);
      ids.insert(ids.end(), x.aliases.begin(), x.aliases.end());
      fixed.insert(fixed.end(), x.fixed.begin(), x.fixed.end());
    }
    // The kept record, moved: the ids and fixed versions are gathered above, and the first
    // non-empty summary / details of the group (in member order) are taken below when the kept
    // record has none (so its own, moved-from, would have been empty anyway).
    Match merged = std::move(matches[best]);
    for (size_t k = g; k < end && merged.summary.empty(); ++k)
      merged.summary = matches[order[k]].summary;
    for (size_t k = g; k < end && merged.details.empty(); ++k)
      merged.details = matches[order[k]].details;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    ids.erase(std::remove(ids.begin(), ids.end(), merged.id), ids.end());
    merged.aliases = std::move(ids);
    merged.fixed = sorted_fixed(std::move(fixed), merged.ecosystem);
    out.push_back(std::move(merged));
    g = end;
  }
  std::sort(out.begin(), out.end(), [](const Match& a, const Match& b) { return a.id < b.id; });
  return out;
}

namespace {

std::string normalized(std::string_view ecosystem, std::string_view name) {
  const VersionScheme* scheme = scheme_for(ecosystem);
  return scheme ? scheme->normalize_name(name) : std::string(name);
}

}  // namespace

std::vector<Match> match(const std::vector<Record>& records, std::string_view ecosystem,
                         std::string_view name, std::string_view version) {
  QueryVersion q = make_query(ecosystem, version);
  std::string want = normalized(ecosystem, name);
  std::vector<Match> found;
  for (const auto& r : records) {
    if (!r.withdrawn.empty()) continue;
    Match m;
    bool hit = false;
    for (const auto& a : r.affected) {
      if (a.package.ecosystem != ecosystem || normalized(ecosystem, a.package.name) != want)
        continue;
      Verdict v = evaluate(a, q);
      if (!v.affected) continue;
      if (!hit) m.package = a.package.name;
      hit = true;
      m.fixed.insert(m.fixed.end(), v.fixed.begin(), v.fixed.end());
    }
    if (!hit) continue;
    m.id = r.id;
    m.aliases = r.aliases;
    m.ecosystem = std::string(ecosystem);
    m.version = std::string(version);
    m.summary = r.summary;
    m.details = r.details;
    m.modified = r.modified;
    m.severity = advisory_severity(r);
    m.link = "https://osv.dev/vulnerability/" + r.id;
    found.push_back(std::move(m));
  }
  return merge_aliases(std::move(found));
}

std::vector<Match> match(const Store& store, std::string_view ecosystem, std::string_view name,
                         std::string_view version) {
  auto all = match(store, ecosystem, {{std::string(name), std::string(version)}});
  return std::move(all[0]);
}

std::vector<std::vector<Match>> match(
    const Store& store, std::string_view ecosystem,
    const std::vector<std::pair<std::string, std::string>>& packages) {
  std::vector<QueryVersion> queries;
  queries.reserve(packages.size());  // the look-up below holds views of the keys
  std::vector<std::pair<std::string_view, std::string_view>> asks;
  asks.reserve(packages.size());
  for (const auto& [name, version] : packages) {
    queries.push_back(make_query(ecosystem, version));
    asks.emplace_back(name, queries.back().key);
  }
  std::vector<PackageIndex> index = store.lookup(ecosystem, asks);

  // Affected entries per package; a record may list the package in several entries (adjacent:
  // the index is sorted by record id), their fixed versions joined.
  struct Hit {
    const IndexEntry* entry;
    std::vector<std::string> fixed;
  };
  std::vector<std::vector<Hit>> hits(packages.size());
  std::vector<std::string_view> ids;
  for (size_t i = 0; i < packages.size(); ++i) {
    const auto& listed = index[i].listed;  // sorted, unique
    for (const IndexEntry& e : *index[i].entries) {
      bool is_listed = std::binary_search(listed.begin(), listed.end(), e.record_id);
      Verdict v = evaluate(*e.ranges, is_listed, queries[i]);
      if (!v.affected) continue;
      auto& h = hits[i];
      if (!h.empty() && h.back().entry->record_id == e.record_id) {
        h.back().fixed.insert(h.back().fixed.end(), v.fixed.begin(), v.fixed.end());
        continue;
      }
      h.push_back({&e, std::move(v.fixed)});
      ids.push_back(e.record_id);
    }
  }
  std::vector<std::shared_ptr<const AdvisoryInfo>> infos = store.advisories(ids);

  std::vector<std::vector<Match>> out(packages.size());
  size_t next = 0;  // into ids / infos, in the order hits were found
  for (size_t i = 0; i < packages.size(); ++i) {
    std::vector<Match> found;
    found.reserve(hits[i].size());
    for (Hit& h : hits[i]) {
      const auto& info = infos[next++];
      if (!info) continue;  // the record went away between the two queries
      Match m;
      m.id = h.entry->record_id;
      m.aliases = info->aliases;
      m.ecosystem = std::string(ecosystem);
      m.package = h.entry->package;
      m.version = packages[i].second;
      m.summary = info->summary;
      m.details = info->details;
      m.modified = info->modified;
      m.severity = info->severity;
      m.fixed = std::move(h.fixed);
      m.link = "https://osv.dev/vulnerability/" + m.id;
      found.push_back(std::move(m));
    }
    if (!found.empty()) out[i] = merge_aliases(std::move(found));
  }
  return out;
}

}  // namespace pw::security
