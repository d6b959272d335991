// Core metadata (METADATA, PKG-INFO) and the [project] table of pyproject.toml, as the package
// stage and the scans read them from wheels, sdists and installed environments.
#include "fuzz.h"
#include "image/python_packages.h"
#include "python/distribution.h"

PW_FUZZ_TARGET(text) {
  auto md = pw::python::parse_core_metadata(text);
  (void)md.name(), (void)md.version();
  std::string why;
  (void)pw::image::parse_python_metadata(
      text, "usr/lib/python3/dist-packages/x-1.dist-info/METADATA", &why);
  (void)pw::python::read_pyproject(text, "pyproject.toml");
}
