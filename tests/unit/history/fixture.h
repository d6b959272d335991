// Build folders written the way the engine and the stages write them, for the history and serve
// tests: build.json, a JUnit report, coverage.xml, a dependency report, an artifact.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace pw::testing {

namespace fs = std::filesystem;

inline void put(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

struct FakeBuild {
  int number = 1;
  std::string status = "SUCCESS";
  std::string commit = "c0ffee";
  std::string branch = "main";
  // node name -> "passed" | "failed" | "skipped"
  std::map<std::string, std::string> tests = {{"test_a", "passed"}, {"test_b", "passed"}};
  double coverage = 0.9;  // line rate
  int vulns = 0;
  // Written as builds before the rename did: pipewright's findings JSON under the name
  // dependency-check-report.json, found_by one name.
  bool old_dependency_report = false;
};

inline fs::path write_build(const fs::path& project, const FakeBuild& b) {
  fs::path dir = project / ".pipewright" / "builds" / std::to_string(b.number);
  nlohmann::json j = {{"format", 1},
                      {"number", b.number},
                      {"status", b.status},
                      {"project", "demo"},
                      {"commit", b.commit},
                      {"branch", b.branch},
                      {"started", "2026-01-01T10:00:00.000Z"},
                      {"duration_ms", 1000 + b.number},
                      {"workspace", (dir / "workspace").string()}};
  j["stages"] = nlohmann::json::array({{{"id", "checkout"},
                                        {"status", "SUCCESS"},
                                        {"duration_ms", 10},
                                        {"summary", "ok"},
                                        {"started", "2026-01-01T10:00:00.000Z"},
                                        {"attempts", 1},
                                        {"log", "logs/checkout.log"},
                                        {"data", {{"message", "commit " + b.commit}}}},
                                       {{"id", "tests"},
                                        {"status", b.status == "RUNNING" ? "RUNNING" : "SUCCESS"},
                                        {"duration_ms", 500},
                                        {"summary", "tests ran"},
                                        {"started", "2026-01-01T10:00:01.000Z"},
                                        {"attempts", 1},
                                        {"log", "logs/tests.log"},
                                        {"data", nlohmann::json::object()}}});
  put(dir / "build.json", j.dump(2));
  put(dir / "logs" / "tests.log", "# stage tests\n\x1b[31mFAILED x\x1b[0m\nok\n");
  std::string cases;
  int failures = 0;
  for (const auto& [name, outcome] : b.tests) {
    cases += "<testcase classname=\"tests.test_m\" name=\"" + name +
             "\" file=\"tests/test_m.py\" time=\"0.5\">";
    if (outcome == "failed") {
      ++failures;
      cases += "<failure message=\"assert 1 == 2\">tests/test_m.py:7: in " + name +
               "\nE assert 1 == 2</failure>";
    }
    if (outcome == "skipped") cases += "<skipped message=\"no\"/>";
    cases += "</testcase>";
  }
  put(dir / "reports" / "report.xml",
      "<?xml version=\"1.0\"?><testsuites><testsuite name=\"pytest\" tests=\"" +
          std::to_string(b.tests.size()) + "\" failures=\"" + std::to_string(failures) +
          "\" errors=\"0\" skipped=\"0\">" + cases + "</testsuite></testsuites>");
  int covered = static_cast<int>(b.coverage * 10 + 0.5);
  std::string lines;
  for (int i = 1; i <= 10; ++i)
    lines +=
        "<line number=\"" + std::to_string(i) + "\" hits=\"" + (i <= covered ? "1" : "0") + "\"/>";
  put(dir / "reports" / "coverage.xml",
      "<?xml version=\"1.0\"?><coverage version=\"7\" line-rate=\"" + std::to_string(b.coverage) +
          "\" branch-rate=\"0\"><sources><source>/s</source></sources><packages><package "
          "name=\"app\"><classes>"
          "<class name=\"m.py\" filename=\"app/m.py\"><lines>" +
          lines + "</lines></class></classes></package></packages></coverage>");
  nlohmann::json findings = nlohmann::json::array();
  for (int i = 0; i < b.vulns; ++i)
    findings.push_back(
        {{"id", "PYSEC-" + std::to_string(i)},
         {"package", "requests"},
         {"version", "2.0"},
         {"severity", "HIGH"},
         {"fixed_versions", {"2.31.0"}},
         {"found_by", b.old_dependency_report ? nlohmann::json("pipewright")
                                              : nlohmann::json::array({"pipewright"})},
         {"ignored", false}});
  if (b.old_dependency_report) {
    put(dir / "reports" / "dependency-check-report.json",
        nlohmann::json({{"findings", findings}}).dump());
  } else {
    // As the dependency-scan stage writes them now: its own JSON under its own name, and
    // Dependency-Check's schema (no "findings") under Dependency-Check's name.
    put(dir / "reports" / "dependency-scan.json",
        nlohmann::json({{"version", 1}, {"findings", findings}}).dump());
    put(dir / "reports" / "dependency-check-report.json",
        R"({"reportSchema": "1.1", "dependencies": []})");
  }
  put(dir / "artifacts" / "dist" / "app.tar.gz", "tarball " + std::to_string(b.number));
  return dir;
}

}  // namespace pw::testing
