// The pip requirements-file format: tricky lines, options, includes, cycles, errors.
// Expectations for tricky.txt and errors.txt were taken from pip 23's own parser.
#include "python/requirements_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace pw::python {
namespace {

namespace fs = std::filesystem;

const std::string kDir = std::string(PW_FIXTURES) + "/python/reqs";

ReadOptions test_env() {
  ReadOptions o;
  o.getenv = [](std::string_view name) -> std::optional<std::string> {
    if (name == "PW_TEST_TOKEN") return "tok";
    if (name == "PW_TEST_PKG") return "envpkg";
    if (name == "PW_EMPTY") return "";
    return std::nullopt;
  };
  return o;
}

const RequirementEntry* find(const RequirementsFile& f, int line) {
  for (const auto& e : f.requirements)
    if (e.line == line) return &e;
  return nullptr;
}

std::string diags(const RequirementsFile& f) { return join_diagnostics(f.diagnostics); }

TEST(LogicalLines, JoinsContinuationsAndDropsComments) {
  auto lines = logical_lines(
      "a==1 \\\n"
      "  --hash=sha256:x\n"
      "\n"
      "# only a comment\n"
      "   # indented comment\n"
      "b==2 # trailing\n"
      "c#d==3\n"
      "e==4 \\\n"
      "# comment ends continuation\n"
      "\\\\f==5\\\\\n"
      "g==6 \\");
  // pip's preprocess() on the same text gives exactly these five.
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].line, 1);
  EXPECT_EQ(lines[0].text, "a==1   --hash=sha256:x");
  EXPECT_EQ(lines[1].line, 6);
  EXPECT_EQ(lines[1].text, "b==2");
  EXPECT_EQ(lines[2].text, "c#d==3");  // '#' not after whitespace: not a comment
  EXPECT_EQ(lines[3].line, 8);
  EXPECT_EQ(lines[3].text, "e==4");  // a comment line ends the continuation
  EXPECT_EQ(lines[4].line, 10);
  // Backslashes are stripped from both ends of a continued line; the last line's trailing
  // backslash at end of file still ends the logical line.
  EXPECT_EQ(lines[4].text, "f==5g==6");
}

TEST(LogicalLines, LineBreaksAsPythonSplitlines) {
  auto lines = logical_lines(
      "a==1\r\nb==2\rc==3\fd==4\x1c"
      "e==5\xC2\x85"
      "f==6\xE2\x80\xA8g==7");
  ASSERT_EQ(lines.size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(lines[i].line, i + 1) << lines[i].text;
  EXPECT_EQ(lines[0].text, "a==1");
  EXPECT_EQ(lines[6].text, "g==7");
}

TEST(LogicalLines, ColumnOfIndentedText) {
  auto lines = logical_lines("    foo==1");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].column, 5);
}

TEST(EnvVars, ExpandedOnlyWhenSetAndNonEmpty) {
  auto env = test_env().getenv;
  EXPECT_EQ(expand_env_vars("${PW_TEST_PKG}==1 ${PW_TEST_PKG}", env), "envpkg==1 envpkg");
  EXPECT_EQ(expand_env_vars("${UNSET}==1", env), "${UNSET}==1");
  EXPECT_EQ(expand_env_vars("${PW_EMPTY}==1", env), "${PW_EMPTY}==1");
  EXPECT_EQ(expand_env_vars("${lower}==1 $PW_TEST_PKG ${}", env), "${lower}==1 $PW_TEST_PKG ${}");
}

TEST(RequirementsFile, TrickyLinesAsPipReadsThem) {
  auto f = read_requirements_file(kDir + "/tricky.txt", test_env());
  EXPECT_TRUE(f.diagnostics.empty()) << diags(f);
  ASSERT_EQ(f.requirements.size(), 18u);

  // Options, in order, with canonical names.
  std::vector<std::pair<std::string, std::string>> opts;
  for (const auto& o : f.options) opts.emplace_back(o.option, o.value);
  std::vector<std::pair<std::string, std::string>> want = {
      {"--index-url", "https://pypi.org/simple"},
      {"--extra-index-url", "https://tok@private.example.com/simple"},
      {"--find-links", "./wheels"},
      {"--trusted-host", "private.example.com"},
      {"--pre", ""},
      {"--prefer-binary", ""},
      {"--no-binary", ":all:"},
      {"--only-binary", "numpy"},
  };
  EXPECT_EQ(opts, want);
  EXPECT_EQ(f.options[1].line, 4);

  auto* requests = find(f, 12);
  ASSERT_TRUE(requests);
  EXPECT_EQ(requests->form, RequirementForm::named);
  EXPECT_EQ(requests->text, "requests==2.31.0");
  EXPECT_EQ(requests->raw, "requests==2.31.0");
  EXPECT_EQ(requests->requirement->specifier.str(), "==2.31.0");

  auto* django = find(f, 13);
  ASSERT_TRUE(django && django->requirement && django->requirement->marker);
  EXPECT_EQ(django->requirement->specifier_text, ">=4.2,<5");

  auto* zope = find(f, 14);
  ASSERT_TRUE(zope);
  EXPECT_EQ(zope->normalized_name(), "zope-interface");
  EXPECT_EQ(zope->requirement->extras, std::vector<std::string>{"tests"});

  auto* numpy = find(f, 15);
  ASSERT_TRUE(numpy);
  EXPECT_EQ(numpy->text, "numpy==1.26.4");
  EXPECT_EQ(numpy->hashes.at("sha256"), (std::vector<std::string>{"aaaa", "bbbb"}));
  EXPECT_FALSE(find(f, 16));  // continuation lines belong to line 15

  EXPECT_EQ(find(f, 18)->hashes.at("sha384"), std::vector<std::string>{"cccc"});
  auto* url = find(f, 19);
  EXPECT_EQ(url->form, RequirementForm::url);
  EXPECT_EQ(url->target, "https://example.com/pkg-1.0.tar.gz#sha256=dddd");
  EXPECT_EQ(find(f, 20)->text, "attrs==23.1.0");

  auto* pyyaml = find(f, 22);
  EXPECT_EQ(pyyaml->text, "pyyaml ==6.0.1");
  EXPECT_EQ(pyyaml->global_options, std::vector<std::string>{"--with-libyaml"});
  EXPECT_EQ(pyyaml->config_settings, std::vector<std::string>{"--build-option=x"});

  auto* tool = find(f, 23);
  EXPECT_EQ(tool->form, RequirementForm::bare_url);
  EXPECT_EQ(tool->name, "tool");
  auto* wheel = find(f, 24);
  EXPECT_EQ(wheel->form, RequirementForm::bare_url);
  EXPECT_EQ(wheel->name, "simplejson");
  EXPECT_EQ(wheel->requirement->specifier.str(), "==3.19.1");

  auto* local = find(f, 25);
  EXPECT_EQ(local->form, RequirementForm::editable);
  EXPECT_EQ(local->target, "./libs/local_pkg");
  EXPECT_EQ(local->name, "");
  auto* ed = find(f, 26);
  EXPECT_EQ(ed->form, RequirementForm::editable);
  EXPECT_EQ(ed->name, "editable");

  EXPECT_EQ(find(f, 27)->form, RequirementForm::path);
  EXPECT_EQ(find(f, 27)->target, "./vendor/vendored_pkg");
  EXPECT_EQ(find(f, 28)->form, RequirementForm::path);
  EXPECT_EQ(find(f, 28)->name, "built-pkg");
  EXPECT_TRUE(find(f, 29)->requirement->marker);

  auto* env = find(f, 30);
  EXPECT_EQ(env->raw, "${PW_TEST_PKG}==1.0");  // as written: no secrets in reports
  EXPECT_EQ(env->text, "envpkg==1.0");
  EXPECT_EQ(env->name, "envpkg");
  EXPECT_EQ(find(f, 31)->name, "tabbed-name");
  EXPECT_EQ(find(f, 32)->name, "split-name");
  for (const auto& e : f.requirements) {
    EXPECT_EQ(e.file, kDir + "/tricky.txt");
    EXPECT_FALSE(e.constraint);
  }
}

TEST(RequirementsFile, EveryBadLineIsReportedWithItsLine) {
  auto f = read_requirements_file(kDir + "/errors.txt");
  std::vector<int> lines;
  for (const auto& d : f.diagnostics) lines.push_back(d.line);
  EXPECT_EQ(lines, (std::vector<int>{1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12})) << diags(f);
  ASSERT_EQ(f.requirements.size(), 2u);
  EXPECT_EQ(f.requirements[0].name, "good");
  EXPECT_EQ(f.requirements[1].name, "also-good");
  auto msg = [&](int line) {
    for (const auto& d : f.diagnostics)
      if (d.line == line) return d.str();
    return std::string();
  };
  EXPECT_NE(msg(1).find("errors.txt:1:9: invalid requirement 'requests=2.0'"), std::string::npos)
      << msg(1);
  EXPECT_NE(msg(1).find("=="), std::string::npos);
  EXPECT_NE(msg(2).find("no such option: --unknown-option"), std::string::npos) << msg(2);
  EXPECT_NE(msg(4).find("Allowed hash algorithms for --hash are sha256, sha384, sha512."),
            std::string::npos);
  EXPECT_NE(msg(5).find("must be a hash name followed by a value"), std::string::npos);
  EXPECT_NE(msg(6).find("errors.txt:6:12:"), std::string::npos) << msg(6);
  EXPECT_NE(msg(7).find("not a valid editable requirement"), std::string::npos);
  EXPECT_NE(msg(8).find("#egg="), std::string::npos);
  EXPECT_NE(msg(9).find("ambiguous option: --re (--require-hashes, --requirement?)"),
            std::string::npos)
      << msg(9);
  EXPECT_NE(msg(10).find("--pre option does not take a value"), std::string::npos);
  EXPECT_NE(msg(11).find("-r option requires 1 argument"), std::string::npos);
  EXPECT_NE(msg(12).find("No closing quotation"), std::string::npos);
}

TEST(RequirementsFile, FollowsIncludesRelativeToTheIncludingFile) {
  auto f = read_requirements_file(kDir + "/inc/root.txt");
  // root, base, deep, constraints; base is included twice but read once.
  ASSERT_EQ(f.files.size(), 4u) << ::testing::PrintToString(f.files);
  EXPECT_EQ(f.files[0], kDir + "/inc/root.txt");
  EXPECT_EQ(f.files[1], kDir + "/inc/common/base.txt");
  EXPECT_EQ(f.files[2], kDir + "/inc/common/../nested/deep.txt");
  EXPECT_EQ(f.files[3], kDir + "/inc/constraints.txt");
  std::vector<std::string> names;
  for (const auto& e : f.requirements) names.push_back(e.name + (e.constraint ? " (c)" : ""));
  EXPECT_EQ(names, (std::vector<std::string>{"lib-a", "lib-b", "lib-a (c)", "app"}));
  EXPECT_EQ(f.requirements[1].line, 1);
  EXPECT_EQ(f.requirements[1].file, kDir + "/inc/common/../nested/deep.txt");
  // The missing include is reported at the including line, naming the file it tried.
  ASSERT_EQ(f.diagnostics.size(), 1u) << diags(f);
  EXPECT_EQ(f.diagnostics[0].file, kDir + "/inc/root.txt");
  EXPECT_EQ(f.diagnostics[0].line, 5);
  EXPECT_NE(f.diagnostics[0].message.find("missing.txt"), std::string::npos);
  EXPECT_NE(f.diagnostics[0].message.find("No such file or directory"), std::string::npos);
  EXPECT_NE(f.diagnostics[0].message.find("-r"), std::string::npos);
}

TEST(RequirementsFile, IncludeCyclesAreNamed) {
  auto f = read_requirements_file(kDir + "/cycle/a.txt");
  ASSERT_EQ(f.diagnostics.size(), 1u) << diags(f);
  const auto& d = f.diagnostics[0];
  EXPECT_EQ(d.file, kDir + "/cycle/b.txt");
  EXPECT_EQ(d.line, 2);
  EXPECT_EQ(d.message, "include cycle: " + kDir + "/cycle/a.txt -> " + kDir + "/cycle/b.txt -> " +
                           kDir + "/cycle/a.txt");
  EXPECT_EQ(f.requirements.size(), 2u);  // both files' own requirements are still read

  auto self = read_requirements_file(kDir + "/cycle/self.txt");
  ASSERT_EQ(self.diagnostics.size(), 1u);
  EXPECT_NE(self.diagnostics[0].message.find("self.txt -> "), std::string::npos);
  EXPECT_EQ(self.requirements.size(), 1u);
}

TEST(RequirementsFile, MissingRootFile) {
  auto f = read_requirements_file(kDir + "/nope.txt");
  ASSERT_EQ(f.diagnostics.size(), 1u);
  EXPECT_EQ(f.diagnostics[0].str(),
            kDir + "/nope.txt: cannot read requirements file: No such file or directory");
  auto dir = read_requirements_file(kDir);
  ASSERT_EQ(dir.diagnostics.size(), 1u);
  EXPECT_NE(dir.diagnostics[0].message.find("is a directory"), std::string::npos);
}

TEST(RequirementsFile, InMemoryTextWithBomAndUrls) {
  auto f = parse_requirements_text(
      "\xEF\xBB\xBFrequests==1.0\n"
      "https://h/p-1.0.tar.gz; python_version < \"3\"\n"
      "https://h/p;x.tar.gz\n"
      "-r https://example.com/remote.txt\n"
      "-e git://github.com/o/r.git#egg=r\n"
      "./pkg[extra] ; os_name == 'nt'\n"
      "pkg @ ./not-a-url\n",
      "mem.txt", test_env());
  ASSERT_EQ(f.requirements.size(), 5u) << diags(f);
  EXPECT_EQ(f.requirements[0].name, "requests");
  EXPECT_EQ(f.requirements[1].target, "https://h/p-1.0.tar.gz");
  EXPECT_TRUE(f.requirements[1].marker);
  EXPECT_EQ(f.requirements[2].target, "https://h/p;x.tar.gz");  // "; " separates, ';' does not
  EXPECT_EQ(f.requirements[3].name, "r");
  EXPECT_EQ(f.requirements[4].form, RequirementForm::path);
  EXPECT_EQ(f.requirements[4].target, "./pkg");
  EXPECT_TRUE(f.requirements[4].marker);
  ASSERT_EQ(f.diagnostics.size(), 2u) << diags(f);
  EXPECT_EQ(f.diagnostics[0].line, 4);
  EXPECT_NE(f.diagnostics[0].message.find("not fetched"), std::string::npos);
  EXPECT_EQ(f.diagnostics[1].line, 7);
  EXPECT_NE(f.diagnostics[1].message.find("invalid URL"), std::string::npos);
}

TEST(RequirementsFile, PipOptionParsingDetails) {
  auto f = parse_requirements_text(
      "--extra-index https://a\n"      // unique prefix of --extra-index-url
      "-ihttps://b\n"                  // short option with attached value
      "--pypi-url=https://c\n"         // alias of --index-url
      "--no-index --require-hashes\n"  // several flags on one line
      "foo==1 --pre\n"                 // global options on a requirement line are ignored
      "bar==1 --hash=sha256:x -- --not-parsed\n"
      "--hash=sha256:y\n",  // per-requirement option alone: ignored
      "opts.txt");
  EXPECT_TRUE(f.diagnostics.empty()) << diags(f);
  std::vector<std::string> names;
  for (const auto& o : f.options) names.push_back(o.option + "=" + o.value);
  EXPECT_EQ(names, (std::vector<std::string>{"--extra-index-url=https://a", "--index-url=https://b",
                                             "--index-url=https://c",
                                             "--no-index=", "--require-hashes="}));
  EXPECT_TRUE(f.require_hashes());
  ASSERT_EQ(f.requirements.size(), 2u);
  EXPECT_EQ(f.requirements[1].hashes.at("sha256"), std::vector<std::string>{"x"});
}

TEST(RequirementsFile, ConstraintFilesMarkTheirEntries) {
  fs::path dir = fs::temp_directory_path() / ("pw-reqs-" + std::to_string(::getpid()));
  fs::create_directories(dir / "sub");
  std::ofstream(dir / "root.txt") << "-c sub/c.txt\n-r file://" << (dir / "sub" / "r.txt").string()
                                  << "\n";
  std::ofstream(dir / "sub" / "c.txt") << "a==1\n-r r.txt\n";
  std::ofstream(dir / "sub" / "r.txt") << "b==2\n";
  auto f = read_requirements_file(dir / "root.txt");
  fs::remove_all(dir);
  EXPECT_TRUE(f.diagnostics.empty()) << diags(f);
  std::vector<std::string> names;
  for (const auto& e : f.requirements) names.push_back(e.name + (e.constraint ? " (c)" : ""));
  // pip: a -r inside a constraints file reads requirements, not constraints; the second
  // include of r.txt (as a requirement file again, via file:) is read once only.
  EXPECT_EQ(names, (std::vector<std::string>{"a (c)", "b"}));
}

}  // namespace
}  // namespace pw::python
