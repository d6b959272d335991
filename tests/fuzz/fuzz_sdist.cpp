// An sdist as `python -m build` (or a tampered file) leaves it: tar.gz, one top folder, PKG-INFO.
#include "fuzz.h"
#include "python/distribution.h"

PW_FUZZ_TARGET(text) {
  auto path = pw::fuzz::write_scratch("demo_app-0.1.0.tar.gz", text);
  pw::python::PyProject expected;
  expected.has_project = true;
  expected.name = "demo-app";
  expected.version = "0.1.0";
  (void)pw::python::verify_sdist(path, expected);
}
