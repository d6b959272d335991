// SARIF writer and reader: structure checked against SARIF 2.1.0's required properties, enums and
// allowed property names (the schema is not on the build machines, so the rules the writer relies
// on are spelled out here from the OASIS schema), determinism, and round trips.
#include "reports/sarif.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "reports/tool_outputs.h"
#include "support.h"

namespace pw::reports {
namespace {

using nlohmann::json;
using testing::read_fixture;

const std::string kRecordedRoot = "/work/main/tests/fixtures/reports/sample";

// ---- a checker for the parts of the SARIF 2.1.0 schema the writer uses ----

class SarifChecker {
 public:
  std::vector<std::string> problems;

  void log(const json& j) {
    object(j, "sarifLog", {"$schema", "version", "runs", "inlineExternalProperties", "properties"},
           {"version", "runs"});
    if (j.value("version", "") != "2.1.0") add("sarifLog", "version must be \"2.1.0\"");
    if (!j.contains("runs") || !j["runs"].is_array())
      return add("sarifLog", "runs must be an array");
    for (size_t i = 0; i < j["runs"].size(); ++i)
      run(j["runs"][i], "runs[" + std::to_string(i) + "]");
  }

 private:
  void add(const std::string& where, const std::string& what) {
    problems.push_back(where + ": " + what);
  }

  void object(const json& j, const std::string& where, std::set<std::string> allowed,
              std::vector<std::string> required) {
    if (!j.is_object()) return add(where, "must be an object");
    for (auto& [k, v] : j.items()) {
      if (!allowed.count(k)) add(where, "property \"" + k + "\" is not allowed");
    }
    for (const auto& r : required) {
      if (!j.contains(r)) add(where, "required property \"" + r + "\" missing");
    }
  }

  void positive(const json& j, const char* key, const std::string& where) {
    if (j.contains(key) && !(j[key].is_number_integer() && j[key].get<long long>() >= 1)) {
      add(where, std::string(key) + " must be an integer >= 1");
    }
  }

  void run(const json& r, const std::string& w) {
    object(r, w,
           {"tool",
            "invocations",
            "conversion",
            "language",
            "versionControlProvenance",
            "originalUriBaseIds",
            "artifacts",
            "logicalLocations",
            "graphs",
            "results",
            "automationDetails",
            "runAggregates",
            "baselineGuid",
            "redactionTokens",
            "defaultEncoding",
            "defaultSourceLanguage",
            "newlineSequences",
            "columnKind",
            "externalPropertyFileReferences",
            "threadFlowLocations",
            "taxonomies",
            "addresses",
            "translations",
            "policies",
            "webRequests",
            "webResponses",
            "specialLocations",
            "properties"},
           {"tool"});
    if (r.contains("columnKind") && r["columnKind"] != "utf16CodeUnits" &&
        r["columnKind"] != "unicodeCodePoints") {
      add(w, "columnKind has a value outside its enum");
    }
    if (r.contains("originalUriBaseIds")) {
      for (auto& [k, v] : r["originalUriBaseIds"].items())
        artifact_location(v, w + ".originalUriBaseIds." + k);
    }
    object(r["tool"], w + ".tool", {"driver", "extensions", "properties"}, {"driver"});
    const json& d = r["tool"]["driver"];
    object(d, w + ".tool.driver",
           {"guid",
            "name",
            "organization",
            "product",
            "productSuite",
            "shortDescription",
            "fullDescription",
            "fullName",
            "version",
            "semanticVersion",
            "dottedQuadFileVersion",
            "releaseDateUtc",
            "downloadUri",
            "informationUri",
            "globalMessageStrings",
            "notifications",
            "rules",
            "taxa",
            "locations",
            "language",
            "contents",
            "isComprehensive",
            "localizedDataSemanticVersion",
            "minimumRequiredLocalizedDataSemanticVersion",
            "associatedComponent",
            "translationMetadata",
            "supportedTaxonomies",
            "properties"},
           {"name"});
    size_t rule_count = 0;
    std::set<std::string> ids;
    if (d.contains("rules")) {
      rule_count = d["rules"].size();
      for (const auto& rule : d["rules"]) {
        object(rule, w + ".rules[]",
               {"id", "deprecatedIds", "guid", "deprecatedGuids", "name", "deprecatedNames",
                "shortDescription", "fullDescription", "messageStrings", "defaultConfiguration",
                "helpUri", "help", "relationships", "properties"},
               {"id"});
        if (!ids.insert(rule.value("id", "")).second) add(w, "duplicate rule id");
      }
    }
    if (!r.contains("results")) return;
    for (const auto& res : r["results"]) {
      std::string rw = w + ".results[]";
      object(res, rw,
             {"guid",
              "correlationGuid",
              "ruleId",
              "ruleIndex",
              "rule",
              "kind",
              "level",
              "message",
              "analysisTarget",
              "locations",
              "webRequest",
              "webResponse",
              "fingerprints",
              "partialFingerprints",
              "codeFlows",
              "graphs",
              "graphTraversals",
              "stacks",
              "relatedLocations",
              "suppressions",
              "baselineState",
              "rank",
              "attachments",
              "hostedViewerUri",
              "workItemUris",
              "provenance",
              "fixes",
              "taxa",
              "properties"},
             {"message"});
      static const std::set<std::string> levels = {"none", "note", "warning", "error"};
      if (res.contains("level") && !levels.count(res["level"].get<std::string>()))
        add(rw, "bad level");
      if (res.contains("ruleIndex")) {
        long long i = res["ruleIndex"].get<long long>();
        if (i < -1 || i >= static_cast<long long>(rule_count))
          add(rw, "ruleIndex out of range");
        else if (i >= 0 && d["rules"][i]["id"] != res["ruleId"])
          add(rw, "ruleIndex points at another rule");
      }
      object(res["message"], rw + ".message", {"text", "markdown", "id", "arguments", "properties"},
             {});
      if (!res["message"].contains("text") && !res["message"].contains("id"))
        add(rw, "message needs text or id");
      if (res.contains("partialFingerprints")) {
        for (auto& [k, v] : res["partialFingerprints"].items()) {
          if (!v.is_string()) add(rw, "partialFingerprints values must be strings");
        }
      }
      if (!res.contains("locations")) continue;
      for (const auto& loc : res["locations"]) {
        object(loc, rw + ".locations[]",
               {"id", "physicalLocation", "logicalLocations", "message", "annotations",
                "relationships", "properties"},
               {});
        const json& p = loc["physicalLocation"];
        object(p, rw + ".physicalLocation",
               {"address", "artifactLocation", "region", "contextRegion", "properties"}, {});
        if (!p.contains("address") && !p.contains("artifactLocation"))
          add(rw, "physicalLocation needs artifactLocation or address");
        artifact_location(p["artifactLocation"], rw + ".artifactLocation");
        if (p.contains("region")) {
          const json& reg = p["region"];
          object(reg, rw + ".region",
                 {"startLine", "startColumn", "endLine", "endColumn", "charOffset", "charLength",
                  "byteOffset", "byteLength", "snippet", "message", "sourceLanguage", "properties"},
                 {});
          for (const char* k : {"startLine", "startColumn", "endLine", "endColumn"})
            positive(reg, k, rw + ".region");
        }
      }
    }
  }

  void artifact_location(const json& a, const std::string& w) {
    object(a, w, {"uri", "uriBaseId", "index", "description", "properties"}, {});
    if (!a.contains("uri")) return;
    // uri-reference: no spaces, no raw non-ASCII, '%' only as an escape.
    std::string u = a["uri"];
    for (size_t i = 0; i < u.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(u[i]);
      if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' ||
          c == '`' || c == '{' || c == '|' || c == '}') {
        add(w, "uri \"" + u + "\" has a character that must be percent-encoded");
        break;
      }
    }
  }
};

std::vector<std::string> check(const std::string& sarif) {
  SarifChecker c;
  c.log(json::parse(sarif));
  return c.problems;
}

// Every parser's findings on the recorded and hand-written fixtures.
std::vector<Finding> everything() {
  ParseOptions rec{.source = "", .root = kRecordedRoot};
  ParseOptions hand{.source = "", .root = "/home/dev/sample"};
  std::vector<Finding> all;
  auto add = [&](const FindingsResult& r) {
    EXPECT_TRUE(r.ok());
    all.insert(all.end(), r.value.begin(), r.value.end());
  };
  add(parse_flake8(read_fixture("recorded/flake8.txt"), rec));
  add(parse_pylint_json(read_fixture("recorded/pylint.json"), rec));
  add(parse_mypy(read_fixture("recorded/mypy-error-end.txt"), rec));
  add(parse_bandit_json(read_fixture("recorded/bandit.json"), rec));
  add(parse_black(
      read_fixture("recorded/black-diff.stdout.txt") + read_fixture("recorded/black-error.txt"),
      rec));
  add(parse_ruff_json(read_fixture("handwritten/ruff-check.json"), hand));
  add(parse_ruff_format(read_fixture("handwritten/ruff-format-check.txt"), hand));
  add(parse_pip_audit_json(read_fixture("handwritten/pip-audit.json"), hand, "requirements.txt"));
  return all;
}

TEST(Sarif, WrittenLogHasTheRequiredStructure) {
  auto runs = group_by_tool(everything(), {{"flake8", "5.0.4"}, {"bandit", "1.6.2"}});
  ASSERT_EQ(runs.size(), 8u);
  std::string sarif = write_sarif(runs, {.root = kRecordedRoot});
  auto problems = check(sarif);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);

  json j = json::parse(sarif);
  EXPECT_EQ(j["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
  EXPECT_EQ(j["runs"][0]["tool"]["driver"]["name"], "bandit");  // runs in tool-name order
  EXPECT_EQ(j["runs"][0]["tool"]["driver"]["version"], "1.6.2");
  EXPECT_EQ(j["runs"][0]["tool"]["driver"]["informationUri"], "https://bandit.readthedocs.io");
  EXPECT_EQ(j["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"],
            "file:///work/main/tests/fixtures/reports/sample/");

  // The B602 result, in full.
  const json* b602 = nullptr;
  for (const auto& r : j["runs"][0]["results"]) {
    if (r["ruleId"] == "B602") b602 = &r;
  }
  ASSERT_NE(b602, nullptr);
  EXPECT_EQ((*b602)["level"], "error");
  EXPECT_EQ((*b602)["message"]["text"],
            "subprocess call with shell=True identified, security issue.");
  const json& loc = (*b602)["locations"][0]["physicalLocation"];
  EXPECT_EQ(loc["artifactLocation"]["uri"], "app/quality.py");
  EXPECT_EQ(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
  EXPECT_EQ(loc["region"]["startLine"], 16);
  EXPECT_EQ((*b602)["properties"]["severity"], "high");
  EXPECT_EQ((*b602)["properties"]["confidence"], "high");
  EXPECT_EQ((*b602)["partialFingerprints"]["pipewright/v1"].get<std::string>().size(), 32u);
  const json& rule = j["runs"][0]["tool"]["driver"]["rules"][(*b602)["ruleIndex"].get<int>()];
  EXPECT_EQ(rule["id"], "B602");
  EXPECT_EQ(rule["name"], "subprocess_popen_with_shell_equals_true");
  EXPECT_EQ(rule["properties"]["security-severity"], "8.0");
  EXPECT_NE(rule["helpUri"].get<std::string>().find("b602"), std::string::npos);
}

TEST(Sarif, OutputIsDeterministic) {
  std::vector<Finding> fs = everything();
  std::string a = write_sarif(group_by_tool(fs));
  std::mt19937 rng(42);
  for (int i = 0; i < 3; ++i) {
    std::shuffle(fs.begin(), fs.end(), rng);
    EXPECT_EQ(write_sarif(group_by_tool(fs)), a);
  }
  EXPECT_EQ(a.find("Z\""), std::string::npos);  // no timestamps
}

TEST(Sarif, RoundTripsEveryFinding) {
  std::vector<Finding> fs = everything();
  auto runs = group_by_tool(fs, {{"mypy", "1.0.1"}});
  auto back = read_sarif(write_sarif(runs, {.root = kRecordedRoot}));
  ASSERT_TRUE(back.ok()) << join_diagnostics(back.errors);
  EXPECT_TRUE(back.warnings.empty());
  ASSERT_EQ(back.value.size(), runs.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(back.value[i].tool, runs[i].tool);
    std::vector<Finding> expected = runs[i].findings;
    sort_findings(expected);
    ASSERT_EQ(back.value[i].findings.size(), expected.size()) << runs[i].tool.name;
    for (size_t k = 0; k < expected.size(); ++k) {
      EXPECT_EQ(back.value[i].findings[k], expected[k])
          << runs[i].tool.name << " " << expected[k].rule_id << " line " << expected[k].line;
    }
  }
}

TEST(Sarif, EmptyRunsAreKept) {
  auto runs = group_by_tool({}, {}, {"flake8", "mypy"});
  ASSERT_EQ(runs.size(), 2u);
  std::string sarif = write_sarif(runs);
  EXPECT_TRUE(check(sarif).empty());
  json j = json::parse(sarif);
  EXPECT_EQ(j["runs"][1]["tool"]["driver"]["name"], "mypy");
  EXPECT_TRUE(j["runs"][1]["results"].empty());
  EXPECT_TRUE(j["runs"][1]["tool"]["driver"]["rules"].empty());
  auto back = read_sarif(sarif);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back.value.size(), 2u);
  EXPECT_TRUE(back.value[0].findings.empty());
  EXPECT_TRUE(write_sarif({}).find("\"runs\": []") != std::string::npos);
}

TEST(Sarif, UrisAreEncodedAndDecoded) {
  Finding f;
  f.tool = "flake8";
  f.rule_id = "E501";
  f.message = "line too long";
  f.file = "src/my dir/caf\xC3\xA9#1.py";
  f.line = 3;
  Finding abs = f;
  abs.file = "/usr/lib/python3/x 1.py";
  abs.line = 0;  // no region at all
  std::string sarif = write_sarif({{tool_info("flake8"), {f, abs}}});
  EXPECT_TRUE(check(sarif).empty()) << ::testing::PrintToString(check(sarif));
  json j = json::parse(sarif);
  // Sorted by file: "/usr/..." comes first.
  EXPECT_EQ(
      j["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
      "src/my%20dir/caf%C3%A9%231.py");
  const json& a = j["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
  EXPECT_EQ(a["artifactLocation"]["uri"], "file:///usr/lib/python3/x%201.py");
  EXPECT_FALSE(a["artifactLocation"].contains("uriBaseId"));
  EXPECT_FALSE(a.contains("region"));
  auto back = read_sarif(sarif);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value[0].findings[1].file, f.file);
  EXPECT_EQ(back.value[0].findings[0].file, abs.file);
}

TEST(Sarif, FindingsWithoutRuleOrFileOrMessage) {
  Finding note;
  note.tool = "mypy";
  note.level = Level::note;
  note.message = "";  // SARIF needs a message: the writer falls back to the tool name
  std::string sarif = write_sarif({{tool_info("mypy"), {note}}});
  EXPECT_TRUE(check(sarif).empty());
  json r = json::parse(sarif)["runs"][0]["results"][0];
  EXPECT_FALSE(r.contains("ruleId"));
  EXPECT_FALSE(r.contains("ruleIndex"));
  EXPECT_FALSE(r.contains("locations"));
  EXPECT_EQ(r["message"]["text"], "mypy");
}

TEST(Sarif, InvalidUtf8StillWritesValidJson) {
  Finding f;
  f.tool = "flake8";
  f.rule_id = "E1";
  f.message = "bad \xff byte";
  std::string sarif = write_sarif({{tool_info("flake8"), {f}}});
  json j = json::parse(sarif);  // throws on invalid UTF-8
  EXPECT_EQ(j["runs"][0]["results"][0]["message"]["text"], "bad \xEF\xBF\xBD byte");
}

TEST(Sarif, ReadsOtherToolsSarif) {
  // The shape ruff, CodeQL or bandit's formatter write: no level on the result (the rule's
  // default applies), severity as a security-severity score, absolute file:// URIs.
  std::string foreign = R"({
    "version": "2.1.0",
    "runs": [{
      "tool": {"driver": {"name": "codeql", "semanticVersion": "2.15.0", "rules": [
        {"id": "py/sql-injection", "name": "SqlInjection", "helpUri": "https://codeql.github.com/x",
         "defaultConfiguration": {"level": "error"}, "properties": {"security-severity": "8.8"}},
        {"id": "py/unused-import", "properties": {"security-severity": 2}}]}},
      "results": [
        {"ruleId": "py/sql-injection", "ruleIndex": 0, "message": {"text": "SQL built from user input"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "file:///home/dev/p/app/db.py"},
                        "region": {"startLine": 7, "startColumn": 3, "endColumn": 9}}}],
         "fingerprints": {"primary": "abc"}},
        {"ruleId": "py/unused-import", "level": "note", "message": {"text": "unused"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app/x.py", "uriBaseId": "SRC"}}}]},
        {"ruleId": "py/unused-import", "kind": "pass"}
      ]}]})";
  auto r = read_sarif(foreign, {.source = "codeql.sarif", .root = "/home/dev/p"});
  ASSERT_TRUE(r.ok()) << join_diagnostics(r.errors);
  ASSERT_EQ(r.warnings.size(), 1u);  // the result without a message
  EXPECT_EQ(r.warnings[0].file, "codeql.sarif");
  ASSERT_EQ(r.value.size(), 1u);
  EXPECT_EQ(r.value[0].tool.name, "codeql");
  EXPECT_EQ(r.value[0].tool.version, "2.15.0");
  ASSERT_EQ(r.value[0].findings.size(), 2u);
  const Finding& sql = r.value[0].findings[0];
  EXPECT_EQ(sql.tool, "codeql");
  EXPECT_EQ(sql.level, Level::error);
  EXPECT_EQ(sql.severity, Severity::high);
  EXPECT_EQ(sql.rule_name, "SqlInjection");
  EXPECT_EQ(sql.help_uri, "https://codeql.github.com/x");
  EXPECT_EQ(sql.file, "app/db.py");
  EXPECT_EQ(sql.line, 7);
  EXPECT_EQ(sql.column, 3);
  EXPECT_EQ(sql.end_column, 9);
  EXPECT_EQ(sql.fingerprint, "abc");
  const Finding& unused = r.value[0].findings[1];
  EXPECT_EQ(unused.level, Level::note);
  EXPECT_EQ(unused.severity, Severity::low);
  EXPECT_EQ(unused.file, "app/x.py");
  EXPECT_EQ(unused.line, 0);
  EXPECT_FALSE(unused.fingerprint.empty());  // assigned on reading
}

TEST(Sarif, ReaderErrors) {
  auto not_json =
      read_sarif("<html>502 Bad Gateway</html>", {.source = "quality.sarif", .root = ""});
  ASSERT_EQ(not_json.errors.size(), 1u);
  EXPECT_EQ(not_json.errors[0].file, "quality.sarif");
  EXPECT_NE(not_json.errors[0].message.find("not valid JSON"), std::string::npos);

  auto v2 = read_sarif(R"({"version": "2.0.0", "runs": []})");
  ASSERT_EQ(v2.errors.size(), 1u);
  EXPECT_NE(v2.errors[0].message.find("unsupported SARIF version \"2.0.0\""), std::string::npos);

  EXPECT_EQ(read_sarif(R"({"version": "2.1.0"})").errors.size(), 1u);
  EXPECT_EQ(read_sarif("[]").errors.size(), 1u);

  // A broken run is reported; the good one is still read.
  auto partial = read_sarif(R"({"version": "2.1.0", "runs": [{"tool": {}},
      {"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}}]}]})");
  ASSERT_EQ(partial.errors.size(), 1u);
  EXPECT_NE(partial.errors[0].message.find("runs[0]"), std::string::npos);
  ASSERT_EQ(partial.value.size(), 1u);
  EXPECT_EQ(partial.value[0].findings.size(), 1u);
  EXPECT_EQ(partial.value[0].findings[0].level, Level::warning);  // SARIF's default

  auto missing = read_sarif_file("/nonexistent/quality.sarif");
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_EQ(missing.errors[0].file, "/nonexistent/quality.sarif");
}

TEST(Sarif, FileRoundTrip) {
  testing::TempDir dir;
  auto runs = group_by_tool(everything());
  auto path = dir.write("quality.sarif", write_sarif(runs));
  auto back = read_sarif_file(path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(all_findings(back.value).size(), all_findings(runs).size());
  Counts before = count(all_findings(runs));
  Counts after = count(all_findings(back.value));
  EXPECT_EQ(before.errors, after.errors);
  EXPECT_EQ(before.by_severity, after.by_severity);
}

// Found by fuzz_sarif: invalid UTF-8 sends the reader to its repair-and-retry path, where a number
// past a double's range threw nlohmann's out_of_range out of the reader.
TEST(Sarif, HugeNumberAfterInvalidUtf8IsAReadError) {
  auto r = read_sarif("{\"version\": \"2.1.0\", \"x\": \"\xff\", \"n\": 5E99900}");
  EXPECT_FALSE(r.errors.empty());
}

}  // namespace
}  // namespace pw::reports
