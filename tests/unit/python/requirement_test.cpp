// PEP 508 requirements, markers and names.
#include "python/requirement.h"

#include <gtest/gtest.h>

#include "python/names.h"

namespace pw::python {
namespace {

Requirement R(std::string_view s) {
  auto r = parse_requirement(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.error();
  return r.ok() ? r.value() : Requirement();
}

TEST(Names, Pep503Normalization) {
  EXPECT_EQ(normalize_name("Django"), "django");
  EXPECT_EQ(normalize_name("zope.interface"), "zope-interface");
  EXPECT_EQ(normalize_name("Foo__Bar--baz..Qux"), "foo-bar-baz-qux");
  EXPECT_EQ(normalize_name("a-_.-b"), "a-b");
  EXPECT_EQ(normalize_name("ruamel.yaml.clib"), "ruamel-yaml-clib");
  EXPECT_EQ(normalize_name(""), "");
  EXPECT_TRUE(is_normalized_name("foo-bar"));
  EXPECT_FALSE(is_normalized_name("foo_bar"));
  EXPECT_FALSE(is_normalized_name("Foo"));
  EXPECT_FALSE(is_normalized_name("foo--bar"));
}

TEST(Names, Pep508Validity) {
  EXPECT_TRUE(is_valid_name("a"));
  EXPECT_TRUE(is_valid_name("A1.b_c-d"));
  EXPECT_FALSE(is_valid_name(""));
  EXPECT_FALSE(is_valid_name("-a"));
  EXPECT_FALSE(is_valid_name("a-"));
  EXPECT_FALSE(is_valid_name("a b"));
  EXPECT_FALSE(is_valid_name("a+b"));
}

TEST(Requirement, NameOnly) {
  auto r = R("requests");
  EXPECT_EQ(r.name, "requests");
  EXPECT_TRUE(r.extras.empty());
  EXPECT_TRUE(r.specifier.empty());
  EXPECT_FALSE(r.marker);
  EXPECT_EQ(r.str(), "requests");
}

TEST(Requirement, ExtrasSpecifiersMarker) {
  auto r = R("  Requests[Socks, security] >= 2.31.0 , <3 ; python_version >= '3.8'  ");
  EXPECT_EQ(r.name, "Requests");
  EXPECT_EQ(r.normalized_name(), "requests");
  EXPECT_EQ(r.extras, (std::vector<std::string>{"Socks", "security"}));
  EXPECT_EQ(r.specifier_text, ">= 2.31.0 , <3");
  EXPECT_EQ(r.specifier.size(), 2u);
  EXPECT_EQ(r.marker_text, "python_version >= '3.8'");
  ASSERT_TRUE(r.marker);
  EXPECT_EQ(r.marker->str(), "python_version >= \"3.8\"");
  EXPECT_EQ(r.str(), "Requests[Socks,security]<3,>=2.31.0; python_version >= \"3.8\"");
}

TEST(Requirement, ParenthesizedSpecifiers) {
  auto r = R("name (>=1.0, <2.0)");
  EXPECT_EQ(r.specifier_text, ">=1.0, <2.0");
  EXPECT_EQ(r.specifier.str(), "<2.0,>=1.0");
  EXPECT_EQ(R("name(==1.0)").specifier.str(), "==1.0");
  EXPECT_EQ(R("name[x](==1.0);os_name=='nt'").marker->str(), "os_name == \"nt\"");
  EXPECT_TRUE(R("name ()").specifier.empty());
}

TEST(Requirement, CompactSpellings) {
  EXPECT_EQ(R("a==1").specifier.str(), "==1");
  EXPECT_EQ(R("a[b]==1").extras.size(), 1u);
  EXPECT_EQ(R("a[]").extras.size(), 0u);
  EXPECT_EQ(R("a==1;python_version<'3'").marker_text, "python_version<'3'");
  EXPECT_EQ(R("a ===  1.0-weird").specifier.str(), "===1.0-weird");
  EXPECT_EQ(R("a==1.*").specifier.specifiers()[0].is_wildcard(), true);
  EXPECT_EQ(R("a==1.0+local").specifier.str(), "==1.0+local");
}

TEST(Requirement, UrlRequirements) {
  auto r = R("pip @ https://github.com/pypa/pip/archive/22.0.2.zip");
  EXPECT_EQ(r.name, "pip");
  EXPECT_EQ(r.url, "https://github.com/pypa/pip/archive/22.0.2.zip");
  EXPECT_FALSE(r.marker);
  auto m =
      R("pkg[extra]@ git+https://host/repo.git@0123456789abcdef0123456789abcdef01234567 ; "
        "sys_platform == 'linux'");
  EXPECT_EQ(m.url, "git+https://host/repo.git@0123456789abcdef0123456789abcdef01234567");
  ASSERT_TRUE(m.marker);
  EXPECT_EQ(m.str(),
            "pkg[extra] @ git+https://host/repo.git@0123456789abcdef0123456789abcdef01234567 ; "
            "sys_platform == \"linux\"");
  EXPECT_EQ(R("pkg @ file:///srv/pkg").url, "file:///srv/pkg");
  // Without a space the ';' is part of the URL, as in packaging.
  EXPECT_EQ(R("pkg @ https://h/x.whl;python_version>'3'").url,
            "https://h/x.whl;python_version>'3'");
}

struct BadCase {
  const char* text;
  size_t offset;        // 0-based column of the error
  const char* message;  // a fragment of the message
};

TEST(Requirement, ErrorsNameTheColumn) {
  const BadCase cases[] = {
      {"", 0, "package name"},
      {"==1.0", 0, "package name"},
      {"-foo", 0, "package name"},
      {"foo==1.0 bar", 9, "','"},
      {"foo >=1.0 <2.0", 10, "','"},
      {"foo=1.0", 3, "'=='"},
      {"foo[bar", 7, "']'"},
      {"foo[bar baz]", 8, "','"},
      {"foo[bar,]", 8, "extra name"},
      {"foo (>=1.0", 10, "')'"},
      {"foo>=1.0,", 9, "specifier after ','"},
      {"foo~=1", 5, "two release"},
      {"foo>=1.0+local", 8, "local"},
      {"foo<1.*", 5, "wildcard"},
      {"foo ; ", 6, "marker"},
      {"foo ; python_version", 20, "operator"},
      {"foo ; python_version >= 3.8", 24, "quoted string"},
      {"foo ; python_version >= '3.8' and", 33, "marker"},
      {"foo ; pyton_version >= '3.8'", 6, "unknown marker variable"},
      {"foo ; (os_name == 'nt'", 22, "')'"},
      {"foo ; os_name == 'nt", 17, "unterminated"},
      {"foo ; os_name not 'nt'", 18, "'in' after 'not'"},
      {"foo @", 5, "URL"},
      {"foo @ ./local/path", 6, "invalid URL"},
      {"foo @ https://h/x.whl extra", 22, "';'"},
      {"foo @ file:/x", 6, "file:///"},
      {"foo==1.0[bar]", 8, "extras go right after the name"},
  };
  for (const auto& c : cases) {
    auto r = parse_requirement(c.text);
    ASSERT_FALSE(r.ok()) << "'" << c.text << "' parsed as " << r->str();
    EXPECT_EQ(r.failure().offset, c.offset) << "'" << c.text << "': " << r.error();
    EXPECT_NE(r.error().find(c.message), std::string::npos)
        << "'" << c.text << "': " << r.error() << " lacks " << c.message;
  }
}

TEST(Marker, PrecedenceAndGrouping) {
  auto m = Marker::parse("os_name == 'a' or os_name == 'b' and python_version < '3'");
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->root().kind, MarkerNode::Kind::any_of);  // "and" binds tighter
  EXPECT_EQ(m->root().children.size(), 2u);
  EXPECT_EQ(m->root().children[1].kind, MarkerNode::Kind::all_of);
  auto g = Marker::parse("(os_name == 'a' or os_name == 'b') and python_version < '3'");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->root().kind, MarkerNode::Kind::all_of);
  EXPECT_EQ(g->str(), "(os_name == \"a\" or os_name == \"b\") and python_version < \"3\"");
}

TEST(Marker, VariableSpellingsAreCanonicalized) {
  auto m = Marker::parse(
      "os.name == 'posix' and platform.machine == 'x86_64' and python_implementation == 'CPython'");
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->str(),
            "os_name == \"posix\" and platform_machine == \"x86_64\" and "
            "platform_python_implementation == \"CPython\"");
  EXPECT_TRUE(Marker::parse("'linux' in sys_platform").ok());
  EXPECT_TRUE(Marker::parse("python_version>'3'and os_name=='x'").ok());
  EXPECT_FALSE(Marker::parse("python_version>'3'andos_name=='x'").ok());
  EXPECT_FALSE(Marker::parse("os_name == 'a' garbage").ok());  // stricter than packaging 23
}

TEST(Marker, Evaluation) {
  MarkerEnvironment env = {{"python_version", "3.11"},
                           {"python_full_version", "3.11.4"},
                           {"sys_platform", "linux"},
                           {"os_name", "posix"},
                           {"platform_release", "5.10.0-26-amd64"}};
  auto eval = [&](std::string_view text) -> Result<bool> {
    auto m = Marker::parse(text);
    EXPECT_TRUE(m.ok()) << text << ": " << m.error();
    return m->evaluate(env);
  };
  EXPECT_TRUE(*eval("python_version >= '3.8'"));
  EXPECT_TRUE(*eval("python_version > '3.9'"));  // version compare: 3.11 > 3.9
  EXPECT_FALSE(*eval("python_version < '3.9'"));
  EXPECT_TRUE(*eval("python_full_version == '3.11.*'"));
  EXPECT_TRUE(*eval("python_version ~= '3.10'"));
  EXPECT_TRUE(*eval("sys_platform == 'linux' and os_name != 'nt'"));
  EXPECT_TRUE(*eval("'lin' in sys_platform"));
  EXPECT_TRUE(*eval("'win' not in sys_platform"));
  EXPECT_FALSE(*eval("sys_platform == 'win32' or (os_name == 'nt' and python_version < '3')"));
  EXPECT_FALSE(*eval("extra == 'Test_Extra'"));   // extra defaults to ""
  EXPECT_TRUE(*eval("platform_release >= '5'"));  // not a version: string comparison
  MarkerEnvironment with_extra = env;
  with_extra["extra"] = "test-extra";
  EXPECT_TRUE(*Marker::parse("extra == 'Test_Extra'")->evaluate(with_extra));  // PEP 685
  EXPECT_FALSE(eval("platform_machine == 'x86_64'").ok());  // not in env: an error
  EXPECT_FALSE(eval("os_name ~= 'posix'").ok());            // undefined comparison
  // Every operand is evaluated, so an undefined variable fails even after a true "or" branch.
  EXPECT_FALSE(eval("python_version >= '3.8' or platform_machine == 'x'").ok());
}

}  // namespace
}  // namespace pw::python
