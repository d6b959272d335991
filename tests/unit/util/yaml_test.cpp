// The YAML readers pipewright.yaml's loader and the deploy targets' grammar share.
#include "util/yaml.h"

#include <gtest/gtest.h>

namespace pw {
namespace {

struct Reported {
  std::vector<std::string> messages;
  std::vector<int> lines;
  YamlError error() {
    return [this](const YAML::Node& at, const std::string& m) {
      messages.push_back(m);
      lines.push_back(at.Mark().line + 1);
    };
  }
};

TEST(YamlScalarList, OneValueOrAListOfThem) {
  Reported r;
  auto e = r.error();
  EXPECT_EQ(yaml_scalar_list(YAML::Load("a"), "needs", " must be a list", e),
            std::vector<std::string>{"a"});
  EXPECT_EQ(yaml_scalar_list(YAML::Load("[a, 2]"), "needs", " must be a list", e),
            (std::vector<std::string>{"a", "2"}));
  EXPECT_EQ(yaml_scalar_list(YAML::Load("~"), "needs", " must be a list", e),
            std::vector<std::string>{});
  EXPECT_TRUE(r.messages.empty());
}

TEST(YamlScalarList, SaysWhatIsWrongWhere) {
  Reported r;
  EXPECT_FALSE(
      yaml_scalar_list(YAML::Load("{a: 1}"), "ports", " must be a value or a list", r.error()));
  EXPECT_FALSE(yaml_scalar_list(YAML::Load("- a\n- [b]\n"), "needs", " must be a list", r.error()));
  EXPECT_EQ(r.messages, (std::vector<std::string>{"ports must be a value or a list",
                                                  "needs must list plain values"}));
  EXPECT_EQ(r.lines.back(), 2);
}

}  // namespace
}  // namespace pw
