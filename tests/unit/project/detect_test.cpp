// The project model detected from real files in a scratch folder, one layout per test.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "project/install.h"
#include "project/model.h"
#include "util/strings.h"

namespace pw::project {
namespace {

namespace fs = std::filesystem;

class DetectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("pw-detect-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
  }
  static std::string problems(const Project& p) {
    std::string s;
    for (const auto& d : p.problems) s += d.str() + "\n";
    return s;
  }
  const DependencySource* source(const Project& p, const std::string& kind,
                                 const std::string& name = "") {
    for (const auto& d : p.dev_dependencies)
      if (d.kind == kind && (name.empty() || d.name == name)) return &d;
    return nullptr;
  }
  fs::path root_;
};

TEST_F(DetectTest, SrcLayoutHatchlingWithDependencyGroups) {
  write("pyproject.toml",
        "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n"
        "[project]\nname = \"My-Tool\"\nrequires-python = \">=3.9\"\n\n"
        "[tool.hatch.build.targets.wheel]\npackages = [\"src/my_tool\"]\n\n"
        "[dependency-groups]\ntest = [\"pytest>=7\", \"coverage\"]\n"
        "lint = [\"flake8\"]\n"
        "dev = [{include-group = \"test\"}, \"mypy\"]\n");
  write("src/my_tool/__init__.py", "");
  write("tests/test_a.py", "");
  auto p = detect(root_);
  EXPECT_TRUE(p.problems.empty()) << problems(p);
  ASSERT_EQ(p.packages.size(), 1u);
  EXPECT_EQ(p.packages[0].name, "my_tool");
  EXPECT_EQ(p.packages[0].path, "src/my_tool");
  EXPECT_EQ(p.packages[0].import_root(), "src");
  EXPECT_EQ(p.packages[0].from.str(),
            "pyproject.toml:10 [tool.hatch.build.targets.wheel] packages");
  EXPECT_EQ(p.build_backend, "hatchling.build");
  EXPECT_EQ(p.requires_python, ">=3.9");
  ASSERT_EQ(p.tests.size(), 1u);
  EXPECT_EQ(p.tests[0].path, "tests");
  const auto* dev = source(p, "dependency-group", "dev");
  ASSERT_NE(dev, nullptr);
  ASSERT_EQ(dev->requirements.size(), 3u);  // test's two, then mypy
  EXPECT_EQ(dev->requirements[0].text, "pytest>=7");
  EXPECT_EQ(dev->requirements[0].line, 13);
  EXPECT_EQ(dev->requirements[2].text, "mypy");
  EXPECT_EQ(source(p, "dependency-group", "lint"), nullptr);  // not a dev/test name
  auto plan = plan_install(p);
  EXPECT_EQ(plan.requirements, "pytest>=7\ncoverage\nmypy\n");  // deduplicated across groups
}

TEST_F(DetectTest, GroupIncludingItselfIsAProblem) {
  write("pyproject.toml",
        "[project]\nname = \"x\"\n[dependency-groups]\ndev = [{include-group = \"test\"}]\n"
        "test = [\"pytest\", {include-group = \"dev\"}]\n");
  auto p = detect(root_);
  ASSERT_FALSE(p.problems.empty());
  EXPECT_NE(problems(p).find("includes itself"), std::string::npos) << problems(p);
}

// A monorepo: nothing at the root is Python, backend/ and services/api/ are projects (frontend/
// and a node_modules package are not): they are named, with the command that runs one.
TEST_F(DetectTest, PythonProjectsInSubfolders) {
  write("frontend/package.json", "{}\n");
  write("backend/pyproject.toml", "[project]\nname = \"svc\"\n");
  write("services/api/setup.py", "from setuptools import setup\nsetup()\n");
  write("node_modules/x/setup.py", "");
  write(".tox/py/setup.cfg", "");
  auto p = detect(root_);
  EXPECT_EQ(p.nested_projects, (std::vector<std::string>{"backend", "services/api"}));
  ASSERT_EQ(p.notes.size(), 1u);
  EXPECT_EQ(p.notes[0],
            "no Python project here, but in backend, services/api: run pipewright in that folder "
            "(pipewright run -C backend)");
  // A root that is a project itself (here: an application's requirements.txt) is not searched.
  write("requirements.txt", "requests==2.28.1\n");
  EXPECT_TRUE(detect(root_).nested_projects.empty());
}

TEST_F(DetectTest, FlatFlitWithExtras) {
  write("pyproject.toml",
        "[build-system]\nrequires = [\"flit_core >=3.2,<4\"]\nbuild-backend = "
        "\"flit_core.buildapi\"\n"
        "[project]\nname = \"flatpkg\"\ndynamic = [\"version\", \"description\"]\n"
        "[project.optional-dependencies]\ntest = [\"pytest\", \"flatpkg[docs]\"]\ndocs = "
        "[\"sphinx\"]\n");
  write("flatpkg/__init__.py", "\"\"\"doc\"\"\"\n__version__ = '1'\n");
  write("test/test_x.py", "");
  auto p = detect(root_);
  EXPECT_TRUE(p.problems.empty()) << problems(p);
  ASSERT_EQ(p.packages.size(), 1u);
  EXPECT_EQ(p.packages[0].path, "flatpkg");
  EXPECT_EQ(p.tests.at(0).path, "test");
  const auto* t = source(p, "extra", "test");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->requirements.size(), 2u);  // pytest and docs' sphinx through the self-reference
  EXPECT_EQ(t->requirements[1].text, "sphinx");
  auto plan = plan_install(p);
  EXPECT_EQ(plan.project_extras, std::vector<std::string>{"test"});
}

TEST_F(DetectTest, SetuptoolsSetupCfgRequirementsFolderAndPipTools) {
  write("setup.cfg",
        "[metadata]\nname = cfg-proj\n\n[options]\npackage_dir =\n    =src\n"
        "packages = find:\npython_requires = >=3.8\n\n[options.packages.find]\nwhere = src\n\n"
        "[tool:pytest]\ntestpaths = tests/unit\n");
  write("setup.py", "from setuptools import setup\nsetup()\n");
  write("src/cfg_proj/__init__.py", "");
  write("src/cfg_proj/core.py", "");
  write("tests/unit/test_core.py", "");
  write("requirements/test.in", "pytest\n");
  write("requirements/test.txt", "-r base.txt\npytest==7.2.1\n-e .\n");
  write("requirements/base.txt", "coverage==6.5.0\n");
  write("requirements/docs.txt", "sphinx==5\n");
  auto p = detect(root_);
  EXPECT_TRUE(p.problems.empty()) << problems(p);
  EXPECT_EQ(p.name, "cfg-proj");
  ASSERT_EQ(p.packages.size(), 1u);
  EXPECT_EQ(p.packages[0].path, "src/cfg_proj");
  EXPECT_EQ(p.packages[0].from.file, "setup.cfg");
  EXPECT_EQ(p.tests.at(0).path, "tests/unit");
  EXPECT_EQ(p.tests.at(0).from.file, "setup.cfg");
  EXPECT_EQ(p.requires_python, ">=3.8");
  EXPECT_EQ(p.build_backend, "setuptools.build_meta:__legacy__");
  ASSERT_EQ(p.dev_dependencies.size(), 1u) << describe(p).size();
  EXPECT_EQ(p.dev_dependencies[0].kind, "pip-tools");
  EXPECT_EQ(p.dev_dependencies[0].file, "requirements/test.txt");
  auto plan = plan_install(p);
  // -e . is the project itself: installed with it, never into the cached environment.
  EXPECT_EQ(plan.requirements, "coverage==6.5.0\npytest==7.2.1\n");
  EXPECT_TRUE(plan.local.empty());
  EXPECT_EQ(plan.files.size(), 2u);
}

TEST_F(DetectTest, RequirementsFolderFileNamingATestRunnerIsADevFile) {
  // cookiecutter-django: base.txt, production.txt, and local.txt for development.
  write("setup.py", "from setuptools import setup\nsetup(name='svc')\n");
  write("svc/__init__.py", "");
  write("requirements/base.txt", "django==4.2\n");
  write("requirements/production.txt", "-r base.txt\ngunicorn==21.2\n");
  write("requirements/local.txt", "-r base.txt\n\n# Testing\npytest==7.2.1  # runner\n");
  auto p = detect(root_);
  ASSERT_EQ(p.dev_dependencies.size(), 1u) << describe(p).size();
  EXPECT_EQ(p.dev_dependencies[0].file, "requirements/local.txt");
}

TEST_F(DetectTest, SeedLayout) {
  write("pyproject.toml",
        "[project]\nname = \"python-app\"\nversion = \"0.1.0\"\n"
        "[tool.setuptools.packages.find]\ninclude = [\"app\", \"app.*\"]\n");
  write("app/__init__.py", "");
  write("tests/__init__.py", "");
  write("requirements-dev.txt", "pytest==7.2.1\n");
  auto p = detect(root_);
  ASSERT_EQ(p.packages.size(), 1u);
  EXPECT_EQ(p.packages[0].path, "app");
  EXPECT_EQ(p.dev_dependencies.at(0).kind, "requirements");
  EXPECT_EQ(p.dev_dependencies.at(0).requirements.at(0).line, 1);
}

TEST_F(DetectTest, SetupPyOnlyIsReadWithoutRunning) {
  write("setup.py",
        "from setuptools import setup, find_packages\nsetup(\n    name='legacy',\n"
        "    packages=find_packages(exclude=['tests']),\n)\n");
  write("legacy/__init__.py", "");
  write("tests/__init__.py", "");
  auto p = detect(root_);
  EXPECT_EQ(p.name, "legacy");
  ASSERT_EQ(p.packages.size(), 1u);
  EXPECT_EQ(p.packages[0].path, "legacy");
  EXPECT_FALSE(p.notes.empty());  // no dev dependencies declared: says which setting fixes it
}

TEST_F(DetectTest, InvalidTomlNamesLineAndColumn) {
  write("pyproject.toml", "[project]\nname = \"x\"\nversion = 1.0.0\n");
  auto p = detect(root_);
  ASSERT_FALSE(p.problems.empty());
  EXPECT_EQ(p.problems[0].file, "pyproject.toml");
  EXPECT_EQ(p.problems[0].line, 3);
  EXPECT_GT(p.problems[0].col, 0);
}

TEST_F(DetectTest, TwoPackagesOfOneName) {
  write("pyproject.toml", "[project]\nname = \"dup\"\n");
  write("src/dup/__init__.py", "");
  write("dup/__init__.py", "");
  auto p = detect(root_);
  EXPECT_NE(problems(p).find("two packages named 'dup'"), std::string::npos) << problems(p);
}

TEST_F(DetectTest, NoTestsFolderIsANoteNotAProblem) {
  write("pyproject.toml", "[project]\nname = \"solo\"\n");
  write("solo.py", "X = 1\n");
  auto p = detect(root_);
  EXPECT_TRUE(p.problems.empty()) << problems(p);
  ASSERT_EQ(p.packages.size(), 1u);
  EXPECT_EQ(p.packages[0].path, "solo.py");
  EXPECT_TRUE(p.tests.empty());
  bool said = false;
  for (const auto& n : p.notes) said |= contains(n, "project.tests");
  EXPECT_TRUE(said);
}

TEST_F(DetectTest, RequirementsIncludingAFileOutsideTheRepository) {
  std::string outside = "pw-outside-" + std::to_string(::getpid()) + ".txt";
  std::ofstream(root_.parent_path() / outside) << "requests\n";
  write("requirements-dev.txt", "-r ../" + outside + "\npytest\n");
  auto p = detect(root_);
  fs::remove(root_.parent_path() / outside);
  EXPECT_NE(problems(p).find("outside the repository"), std::string::npos) << problems(p);
}

TEST_F(DetectTest, ToxTestEnvironmentWhenNothingElseDeclares) {
  write("setup.py", "from setuptools import setup\nsetup(name='t', packages=['tpkg'])\n");
  write("tpkg/__init__.py", "");
  write("tox.ini",
        "[tox]\nenvlist = py3, lint\n\n[testenv]\ndeps =\n    pytest\n    "
        "-r{toxinidir}/req-test.txt\n"
        "extras = fast\ncommands = pytest {posargs}\n");
  write("req-test.txt", "coverage\n");
  auto p = detect(root_);
  const auto* t = source(p, "tox");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->requirements.at(0).text, "pytest");
  EXPECT_EQ(t->requirement_files, std::vector<std::string>{"req-test.txt"});
  auto plan = plan_install(p);
  EXPECT_EQ(plan.requirements, "coverage\npytest\n");
  EXPECT_EQ(plan.project_extras, std::vector<std::string>{"fast"});
}

TEST_F(DetectTest, PlainRequirementsTxtNamingATestRunnerBeforeTox) {
  // jmespath's layout: setup.py, requirements.txt with pytest, and a tox.ini of older deps.
  write("setup.py", "from setuptools import setup\nsetup(name='t', packages=['tpkg'])\n");
  write("tpkg/__init__.py", "");
  write("requirements.txt", "wheel==0.38.1\npytest==6.2.5\npytest-cov==3.0.0\n");
  write("tox.ini", "[testenv]\ndeps =\n    nose\n    mock\n");
  auto p = detect(root_);
  ASSERT_EQ(p.dev_dependencies.size(), 1u);
  EXPECT_EQ(p.dev_dependencies[0].kind, "requirements");
  EXPECT_EQ(p.dev_dependencies[0].file, "requirements.txt");
  // An application's requirements.txt (no test runner) is not taken for dev dependencies.
  write("requirements.txt", "flask==3.0\n");
  p = detect(root_);
  ASSERT_EQ(p.dev_dependencies.size(), 1u);
  EXPECT_EQ(p.dev_dependencies[0].kind, "tox");
}

TEST_F(DetectTest, NoxfileTestSessionReadAsText) {
  write("pyproject.toml", "[project]\nname = \"nx\"\n");
  write("nx/__init__.py", "");
  write("noxfile.py",
        "import nox\n\n@nox.session\ndef lint(session):\n    session.install('flake8')\n\n"
        "@nox.session(python=['3.11'])\ndef tests(session):\n    session.install('pytest', "
        "'coverage')\n"
        "    session.install('-e', '.[test]')\n    session.run('pytest')\n");
  auto p = detect(root_);
  const auto* n = source(p, "nox");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->name, "tests");
  ASSERT_EQ(n->requirements.size(), 2u);
  EXPECT_EQ(n->requirements[0].line, 9);
  EXPECT_EQ(n->project_extras, std::vector<std::string>{"test"});
}

TEST_F(DetectTest, OverridesWin) {
  write("pyproject.toml", "[project]\nname = \"ov\"\n");
  write("ov/__init__.py", "");
  write("lib/other/__init__.py", "");
  write("checks/test_a.py", "");
  write("reqs.txt", "pytest\n");
  Overrides o;
  o.packages = {"ov", "lib/other"};
  o.tests = {"checks"};
  o.requirements = {"reqs.txt"};
  auto p = detect(root_, o);
  ASSERT_EQ(p.packages.size(), 2u);
  EXPECT_EQ(p.packages[1].name, "other");
  EXPECT_EQ(p.packages[1].from.file, "pipewright.yaml");
  EXPECT_EQ(p.tests.at(0).path, "checks");
  EXPECT_EQ(p.dev_dependencies.at(0).kind, "configured");
}

}  // namespace
}  // namespace pw::project

namespace pw::project {
namespace {

TEST(LockGroups, SettingThenModelThenEverything) {
  python::DeclaredProject declared;
  python::LockFile lock;
  python::LockedPackage p;
  p.groups = {"main", "docs"};
  lock.packages = {p};
  Project model;
  EXPECT_EQ(lock_groups(std::vector<std::string>{"Dev_Tools", "extra:x"}, model, declared, lock),
            (std::set<std::string>{"dev-tools", "extra:x"}));
  DependencySource group{"dependency-group", "pyproject.toml", "Test", 3, {}, {}, {}};
  DependencySource extra{"extra", "pyproject.toml", "Lint", 4, {}, {}, {}};
  model.dev_dependencies = {group, extra};
  EXPECT_EQ(lock_groups(std::nullopt, model, declared, lock),
            (std::set<std::string>{"test", "extra:lint"}));
  model.dev_dependencies.clear();
  EXPECT_EQ(lock_groups(std::nullopt, model, declared, lock),
            (std::set<std::string>{"main", "docs"}));
}

}  // namespace
}  // namespace pw::project

namespace pw::project {
namespace {

TEST(ProjectPipArgs, ExtrasEditableIsolationAndLocal) {
  InstallPlan plan;
  plan.project_extras = {"test", "lint"};
  auto a = project_pip_args(plan, "/ws", false, true);
  EXPECT_EQ(a.extras, "[test,lint]");
  EXPECT_EQ(a.with_deps,
            (std::vector<std::string>{"--no-build-isolation", "-e", "/ws[test,lint]"}));
  EXPECT_EQ(a.no_deps, (std::vector<std::string>{"--no-deps", "--no-build-isolation", "-e",
                                                 "/ws[test,lint]"}));
  a = project_pip_args(InstallPlan{}, "/ws", true, false);
  EXPECT_EQ(a.with_deps, (std::vector<std::string>{"/ws"}));
  LocalRequirement l{true, "/ws/plugin", "requirements.txt:3"};
  EXPECT_EQ(local_pip_args(l, false),
            (std::vector<std::string>{"--no-build-isolation", "-e", "/ws/plugin"}));
}

}  // namespace
}  // namespace pw::project

namespace pw::project {
namespace {

// A service's files: app.py, a requirements.txt without a test runner, tool configuration only.
// It is an application: the root module is the code, requirements.txt the dependencies.
TEST_F(DetectTest, ApplicationWithToolConfigurationOnly) {
  write("app.py", "import requests\n");
  write("wsgi_helper.py", "");
  write("conftest.py", "");
  write("test_smoke.py", "");
  write("requirements.txt", "requests==2.28.1\n");
  write("pyproject.toml", "[tool.black]\nline-length = 100\n");
  write("setup.cfg", "[flake8]\nmax-line-length = 100\n");
  auto p = detect(root_);
  EXPECT_TRUE(p.application());
  EXPECT_EQ(p.package_paths(), (std::vector<std::string>{"app.py", "wsgi_helper.py"}));
  const auto* req = source(p, "requirements");
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->requirements.size(), 1u);

  // Any packaging metadata makes it a project to install and package.
  write("pyproject.toml", "[build-system]\nrequires = [\"setuptools\"]\n");
  EXPECT_FALSE(detect(root_).application());
  write("pyproject.toml", "[tool.black]\nline-length = 100\n");
  write("setup.cfg", "[metadata]\nname = svc\n");
  EXPECT_FALSE(detect(root_).application());
  fs::remove(root_ / "setup.cfg");
  write("setup.py", "from setuptools import setup\nsetup()\n");
  EXPECT_FALSE(detect(root_).application());
}

}  // namespace
}  // namespace pw::project
