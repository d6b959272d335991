// A wheel as `python -m build` (or a tampered file) leaves it: zip, RECORD, METADATA, WHEEL.
#include "fuzz.h"
#include "python/distribution.h"

PW_FUZZ_TARGET(text) {
  auto path = pw::fuzz::write_scratch("demo_app-0.1.0-py3-none-any.whl", text);
  pw::python::PyProject expected;
  expected.has_project = true;
  expected.name = "demo-app";
  expected.version = "0.1.0";
  (void)pw::python::verify_wheel(path, expected);
}
