// Differential test of the range evaluation: for a deterministic sample of real corpus records,
// versions around each range's events (the event versions themselves and .post1 / a1 / .dev0 /
// next-release neighbours) are judged by our matcher and by an independent oracle,
// tests/fixtures/security/osv_range_oracle.py (packaging, the library pip vendors), evaluating
// the same ECOSYSTEM ranges by the OSV algorithm. Any disagreement names record and version.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "security/ecosystem.h"
#include "security/match.h"
#include "security/sources.h"
#include "support.h"

namespace pw::security {
namespace {

using testing::corpus_dir;
using testing::TempDir;
namespace fs = std::filesystem;

constexpr const char* kPython = "/usr/bin/python3";
constexpr size_t kSample = 200;

char code(EventKind k) {
  switch (k) {
    case EventKind::introduced:
      return 'i';
    case EventKind::fixed:
      return 'f';
    case EventKind::last_affected:
      return 'l';
    case EventKind::limit:
      return 'm';
  }
  return '?';
}

// Versions around an event's version: itself and near neighbours on both sides.
std::vector<std::string> around(const std::string& v) {
  std::vector<std::string> out = {v,           v + ".post1", v + "a1",
                                  v + ".dev0", v + "rc1",    v + "+local.1"};
  // The next release (last release segment bumped) and the one before, when the text is a plain
  // dotted release.
  bool plain = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
  if (plain && v.back() != '.') {
    size_t dot = v.rfind('.');
    std::string head = dot == std::string::npos ? "" : v.substr(0, dot + 1);
    std::string last = v.substr(dot == std::string::npos ? 0 : dot + 1);
    if (!last.empty() && last.size() < 9) {
      long n = std::stol(last);
      out.push_back(head + std::to_string(n + 1));
      if (n > 0) out.push_back(head + std::to_string(n - 1) + ".999");
    }
  }
  return out;
}

TEST(Differential, RangeEvaluationAgreesWithPackaging) {
  fs::path corpus = corpus_dir();
  if (corpus.empty()) {
    std::cout << "differential: skipped: the shared corpus ../shared/data/osv-pypi is absent\n";
    GTEST_SKIP() << "the shared corpus ../shared/data/osv-pypi is absent";
  }
  if (std::system((std::string(kPython) + " -c 'import packaging.version' 2>/dev/null").c_str()) !=
      0) {
    std::cout << "differential: skipped: " << kPython << " cannot import packaging "
              << "(install python3-packaging)\n";
    GTEST_SKIP() << kPython << " cannot import packaging (python3-packaging missing)";
  }
  fs::path oracle =
      fs::path(PW_SOURCE_DIR) / "tests" / "fixtures" / "security" / "osv_range_oracle.py";
  ASSERT_TRUE(fs::exists(oracle)) << oracle;

  std::vector<Record> records;
  ReadStats rs;
  read_location((corpus / "vulns").string(),
                [&](SourceDocument&& d) {
                  auto po = parse_osv(d.text, d.format, d.name);
                  for (auto& r : po.records)
                    if (r.withdrawn.empty()) records.push_back(std::move(r));
                },
                rs);
  std::sort(records.begin(), records.end(),
            [](const Record& a, const Record& b) { return a.id < b.id; });
  // Deterministic sample: every k-th record by id, only records with ECOSYSTEM ranges.
  std::vector<const Record*> with_ranges;
  for (const auto& r : records) {
    bool any = false;
    for (const auto& a : r.affected)
      if (a.package.ecosystem == "PyPI")
        for (const auto& range : a.ranges) any |= range.type == RangeType::ecosystem;
    if (any) with_ranges.push_back(&r);
  }
  ASSERT_GE(with_ranges.size(), kSample);
  const size_t step = with_ranges.size() / kSample;

  struct Query {
    std::string record_id;
    std::string package;
    std::string version;
    bool ours = false;
  };
  std::vector<Query> queries;
  std::ostringstream input;
  size_t sampled = 0;
  for (size_t i = 0; i < with_ranges.size() && sampled < kSample; i += step, ++sampled) {
    const Record& r = *with_ranges[i];
    for (const auto& a : r.affected) {
      if (a.package.ecosystem != "PyPI") continue;
      std::string ranges_text;
      std::set<std::string> versions = {"0", "0.0.1.dev0", "99999.0"};
      std::vector<PreparedRange> prepared;
      for (const auto& range : a.ranges) {
        if (range.type != RangeType::ecosystem) continue;
        if (!ranges_text.empty()) ranges_text += '|';
        for (size_t e = 0; e < range.events.size(); ++e) {
          if (e) ranges_text += ';';
          ranges_text += code(range.events[e].kind);
          ranges_text += range.events[e].version;
          if (range.events[e].version.find('*') == std::string::npos)
            for (auto& v : around(range.events[e].version)) versions.insert(std::move(v));
        }
        prepared.push_back(prepare_range(range, &pypi_scheme()));
      }
      if (ranges_text.empty()) continue;
      for (const auto& v : versions) {
        QueryVersion q = make_query("PyPI", v);
        if (!q.parsed) continue;  // not a version for us: the oracle is asked about it below
        Query qu{r.id, a.package.name, v, evaluate(prepared, false, q).affected};
        input << queries.size() << '\t' << v << '\t' << ranges_text << '\n';
        queries.push_back(std::move(qu));
      }
    }
  }
  ASSERT_EQ(sampled, kSample);

  TempDir tmp;
  fs::path in_path = tmp / "queries.tsv";
  testing::write(in_path, input.str());
  std::string cmd = std::string(kPython) + " '" + oracle.string() + "' '" + in_path.string() + "'";
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[65536];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  ASSERT_EQ(pclose(pipe), 0) << "oracle failed: " << cmd;

  std::map<size_t, char> answers;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    answers[std::stoul(line.substr(0, tab))] = line.back();
  }
  ASSERT_EQ(answers.size(), queries.size());

  size_t affected = 0, disagreements = 0, invalid_for_packaging = 0;
  for (size_t i = 0; i < queries.size(); ++i) {
    const Query& q = queries[i];
    char theirs = answers[i];
    if (theirs == 'E') {
      // We parsed it, packaging did not: a version syntax disagreement.
      ++invalid_for_packaging;
      ADD_FAILURE() << q.record_id << " (" << q.package << "): version " << q.version
                    << " is valid for us and invalid for packaging";
      continue;
    }
    affected += q.ours;
    if (q.ours != (theirs == '1')) {
      ++disagreements;
      ADD_FAILURE() << q.record_id << " (" << q.package << "): version " << q.version << ": we say "
                    << (q.ours ? "affected" : "not affected") << ", packaging says "
                    << (theirs == '1' ? "affected" : "not affected");
    }
  }
  std::cout << "differential: " << sampled << " records, " << queries.size() << " versions ("
            << affected << " affected), " << disagreements << " disagreements, "
            << invalid_for_packaging << " parse disagreements\n";
  EXPECT_GT(queries.size(), 2000u);
  EXPECT_GT(affected, 200u);
}

}  // namespace
}  // namespace pw::security
