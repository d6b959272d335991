#include "cli/export_command.h"

#include <iostream>

#include "cli/validated.h"
#include "export/diff.h"
#include "export/generate.h"
#include "util/error.h"
#include "util/fs.h"

namespace pw::cli {

namespace fs = std::filesystem;

int cmd_export(const fs::path& dir, const std::function<pipeline::Pipeline()>& load,
               const std::string& engine_name, const std::string& output, bool check) {
  ci::Engine engine = ci::parse_engine(engine_name);
  pipeline::Pipeline p = load();
  // The same checks as `plan`: a pipeline that cannot run is not worth exporting.
  auto graph = validated_graph(p);

  ci::Output out = ci::generate(engine, p, graph);
  for (const auto& w : out.warnings) std::cerr << "pipewright: warning: " << w << "\n";

  std::string name = output.empty() ? ci::default_output(engine) : output;
  if (name == "-" && !check) {
    std::cout << out.text;
    return 0;
  }
  if (name == "-") throw ConfigError("--check compares a file: give -o FILE, not -o -");
  fs::path path = fs::path(name).is_absolute() ? fs::path(name) : dir / name;
  if (check) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      std::cout << name << " is missing: write it with `pipewright export " << engine_name
                << (output.empty() ? "" : " -o " + output) << "`\n";
      return 1;
    }
    std::string have = read_file(path);
    std::string diff = ci::unified_diff(have, out.text, name + " (committed)",
                                        name + " (pipewright export " + engine_name + ")");
    if (diff.empty()) {
      std::cout << name << " is up to date with the pipeline\n";
      return 0;
    }
    std::cout << diff << name << " is stale: regenerate it with `pipewright export " << engine_name
              << (output.empty() ? "" : " -o " + output) << "`\n";
    return 1;
  }
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (ec) throw Error("cannot create " + path.parent_path().string() + ": " + ec.message());
  write_file_atomic(path, out.text);
  std::cout << "wrote " << name << " (" << ci::engine_name(engine) << ")\n";
  return 0;
}

}  // namespace pw::cli
