// Reading OSV records: JSON via nlohmann, YAML via yaml-cpp converted to the same JSON tree, then
// one validating walk. yaml-cpp keeps a scalar's text as written, so an unquoted `1.10` stays the
// version "1.10" (a YAML 1.1 loader would have read the float 1.1).
#include "security/osv.h"

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include "security/ecosystem.h"
#include "security/semver.h"
#include "util/json.h"
#include "util/strings.h"

namespace pw::security {

using nlohmann::json;

std::string_view to_string(RangeType type) {
  switch (type) {
    case RangeType::ecosystem:
      return "ECOSYSTEM";
    case RangeType::semver:
      return "SEMVER";
    case RangeType::git:
      return "GIT";
  }
  return "?";
}

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::introduced:
      return "introduced";
    case EventKind::fixed:
      return "fixed";
    case EventKind::last_affected:
      return "last_affected";
    case EventKind::limit:
      return "limit";
  }
  return "?";
}

bool format_for_name(std::string_view name, Format* format) {
  std::string lower = to_lower(name);
  auto ends = [&](std::string_view suffix) {
    return lower.size() >= suffix.size() &&
           std::string_view(lower).substr(lower.size() - suffix.size()) == suffix;
  };
  if (ends(".json")) {
    *format = Format::json;
    return true;
  }
  if (ends(".yaml") || ends(".yml")) {
    *format = Format::yaml;
    return true;
  }
  return false;
}

namespace {

// YAML -> JSON. Scalars become strings (OSV's fields are all strings; numbers inside
// database_specific are kept as their text), empty values null.
json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json obj = json::object();
      for (const auto& kv : node) obj[kv.first.Scalar()] = yaml_to_json(kv.second);
      return obj;
    }
    case YAML::NodeType::Sequence: {
      json arr = json::array();
      for (const auto& item : node) arr.push_back(yaml_to_json(item));
      return arr;
    }
    case YAML::NodeType::Scalar:
      return node.Scalar();
    default:
      return nullptr;
  }
}

std::string str_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

std::vector<std::string> str_list(const json& obj, const char* key) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::vector<SeverityEntry> severity_list(const json& obj) {
  std::vector<SeverityEntry> out;
  auto it = obj.find("severity");
  if (it == obj.end() || !it->is_array()) return out;
  for (const auto& s : *it) {
    if (!s.is_object()) continue;
    SeverityEntry e{str_field(s, "type"), str_field(s, "score")};
    if (!e.type.empty() && !e.score.empty()) out.push_back(std::move(e));
  }
  return out;
}

struct Walker {
  std::string_view source;
  ParseOutcome& out;
  std::string id;  // of the record being read, for messages

  void skip(const std::string& reason, const std::string& detail) {
    ++out.skipped[reason];
    out.diagnostics.push_back(
        {std::string(source), 0, 0, (id.empty() ? "" : id + ": ") + "record skipped: " + detail});
  }
  void drop(const std::string& reason, const std::string& detail) {
    ++out.dropped[reason];
    out.diagnostics.push_back({std::string(source), 0, 0, id + ": " + detail});
  }

  // A range, or false when it must be left out (the reason already counted).
  bool read_range(const json& r, const Affected& a, const VersionScheme* scheme, Range& range) {
    if (!r.is_object()) {
      drop("range is not an object", "range left out: not an object");
      return false;
    }
    std::string type = str_field(r, "type");
    if (type == "GIT") {
      drop("GIT range (not evaluated)", "GIT range left out: needs the repository's history");
      return false;
    }
    if (type == "SEMVER") {
      // Ordered by SemVer 2.0 whatever the ecosystem: its own order would be wrong on
      // pre-releases (semver.h).
      range.type = RangeType::semver;
    } else if (type == "ECOSYSTEM") {
      range.type = RangeType::ecosystem;
    } else {
      drop("unknown range type", "range left out: unknown type '" + type + "'");
      return false;
    }
    auto ev = r.find("events");
    if (ev == r.end() || !ev->is_array()) {
      drop("range without events", "range left out: no events");
      return false;
    }
    bool introduced = false;
    for (const auto& e : *ev) {
      if (!e.is_object() || e.size() != 1 || !e.begin().value().is_string()) {
        drop("invalid event", "range left out: an event must hold exactly one version");
        return false;
      }
      const std::string& key = e.begin().key();
      Event event;
      event.version = e.begin().value().get<std::string>();
      if (key == "introduced") {
        event.kind = EventKind::introduced;
        introduced = true;
      } else if (key == "fixed") {
        event.kind = EventKind::fixed;
      } else if (key == "last_affected") {
        event.kind = EventKind::last_affected;
      } else if (key == "limit") {
        event.kind = EventKind::limit;
      } else {
        drop("invalid event", "range left out: unknown event '" + key + "'");
        return false;
      }
      range.events.push_back(std::move(event));
    }
    if (!introduced) {
      drop("range without introduced", "range left out: no introduced event");
      return false;
    }
    const bool semver = range.type == RangeType::semver;
    if (semver) scheme = &semver_scheme();
    if (!scheme) {
      drop("no version order for ecosystem",
           "range left out: no version order known for ecosystem '" + a.package.ecosystem + "'");
      return false;
    }
    for (const auto& e : range.events) {
      if (e.kind == EventKind::introduced && e.version == "0") continue;
      if (e.kind == EventKind::limit && e.version.find('*') != std::string::npos) continue;
      std::string why;
      if (!scheme->parse(e.version, &why)) {
        drop("invalid version in range", "range left out: " + std::string(to_string(e.kind)) +
                                             " '" + e.version + "' is not a valid " +
                                             (semver ? "SemVer" : a.package.ecosystem) +
                                             " version (" + why + ")");
        return false;
      }
    }
    return true;
  }

  void read_affected(const json& a_json, Record& rec) {
    if (!a_json.is_object()) {
      drop("affected entry is not an object", "affected entry left out: not an object");
      return;
    }
    Affected a;
    auto pkg = a_json.find("package");
    if (pkg != a_json.end() && pkg->is_object()) {
      a.package = {str_field(*pkg, "ecosystem"), str_field(*pkg, "name"), str_field(*pkg, "purl")};
    }
    if (a.package.ecosystem.empty() || a.package.name.empty()) {
      drop("affected entry without package", "affected entry left out: no package ecosystem/name");
      return;
    }
    const VersionScheme* scheme = scheme_for(a.package.ecosystem);
    auto ranges = a_json.find("ranges");
    if (ranges != a_json.end() && ranges->is_array()) {
      for (const auto& r : *ranges) {
        Range range;
        if (read_range(r, a, scheme, range)) a.ranges.push_back(std::move(range));
      }
    }
    for (auto& v : str_list(a_json, "versions")) {
      if (scheme) {
        std::string why;
        auto parsed = scheme->parse(v, &why);
        if (!parsed) {
          drop("invalid version in versions", "version '" + v + "' of " + a.package.name +
                                                  " left out: not a valid " + a.package.ecosystem +
                                                  " version (" + why + ")");
          continue;
        }
        a.version_keys.push_back(parsed->key());
      } else {
        a.version_keys.push_back(v);
      }
      a.versions.push_back(std::move(v));
    }
    a.severity = severity_list(a_json);
    rec.affected.push_back(std::move(a));
  }

  void read_record(const json& j) {
    id.clear();
    if (!j.is_object()) {
      skip("not an OSV object", "not a JSON object");
      return;
    }
    Record rec;
    rec.id = str_field(j, "id");
    id = rec.id;
    if (rec.id.empty()) {
      skip("missing id", "no id");
      return;
    }
    rec.modified = str_field(j, "modified");
    if (rec.modified.empty()) {
      skip("missing modified", "no modified time");
      return;
    }
    auto aff = j.find("affected");
    if (aff != j.end() && !aff->is_null() && !aff->is_array()) {
      skip("affected is not a list", "affected is not a list");
      return;
    }
    rec.published = str_field(j, "published");
    rec.withdrawn = str_field(j, "withdrawn");
    rec.aliases = str_list(j, "aliases");
    rec.related = str_list(j, "related");
    rec.summary = str_field(j, "summary");
    rec.details = str_field(j, "details");
    rec.severity = severity_list(j);
    auto refs = j.find("references");
    if (refs != j.end() && refs->is_array()) {
      for (const auto& r : *refs)
        if (r.is_object()) rec.references.push_back({str_field(r, "type"), str_field(r, "url")});
    }
    auto db = j.find("database_specific");
    if (db != j.end() && db->is_object()) rec.database_severity = str_field(*db, "severity");
    if (aff != j.end() && aff->is_array())
      for (const auto& a : *aff) read_affected(a, rec);
    rec.json = dump_json(j);
    out.records.push_back(std::move(rec));
  }
};

}  // namespace

void parse_osv(std::string_view text, Format format, std::string_view source, ParseOutcome& out) {
  Walker w{source, out, {}};
  json doc;
  if (format == Format::json) {
    doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) {
      w.skip("not valid JSON", "not valid JSON");
      return;
    }
  } else {
    try {
      doc = yaml_to_json(YAML::Load(std::string(text)));
    } catch (const YAML::Exception& e) {
      ++out.skipped["not valid YAML"];
      out.diagnostics.push_back({std::string(source), e.mark.line >= 0 ? e.mark.line + 1 : 0,
                                 e.mark.column >= 0 ? e.mark.column + 1 : 0,
                                 "record skipped: not valid YAML: " + e.msg});
      return;
    }
  }
  if (doc.is_array()) {
    for (const auto& item : doc) w.read_record(item);
  } else {
    w.read_record(doc);
  }
}

ParseOutcome parse_osv(std::string_view text, Format format, std::string_view source) {
  ParseOutcome out;
  parse_osv(text, format, source, out);
  return out;
}

}  // namespace pw::security
