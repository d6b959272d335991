// pip requirements files (requirements*.txt) as lock-check and the dependency scan read them:
// options, continuations, ${VAR}s, hashes, URLs; includes are not followed (no files here).
#include "fuzz.h"
#include "python/lock_check.h"
#include "python/requirements_file.h"

PW_FUZZ_TARGET(text) {
  pw::python::ReadOptions read;
  read.follow_includes = false;
  read.getenv = [](std::string_view name) -> std::optional<std::string> {
    if (name == "TOKEN") return std::string("s3cr\xe9t");
    return std::nullopt;
  };
  auto parsed = pw::python::parse_requirements_text(text, "requirements.txt", read);
  (void)pw::python::check_lock(parsed);
  for (const auto& d : parsed.diagnostics) (void)d.str();
}
