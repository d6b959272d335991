// PEP 508 requirements and environment markers ("name[extra] >= 1 ; python_version < '3.11'"),
// parsed, printed canonically and evaluated.
#include "fuzz.h"
#include "python/marker.h"
#include "python/requirement.h"
#include "python/url.h"

PW_FUZZ_TARGET(text) {
  using namespace pw::python;
  MarkerEnvironment env{{"python_version", "3.11"},
                        {"python_full_version", "3.11.2"},
                        {"sys_platform", "linux"},
                        {"os_name", "posix"},
                        {"extra", "dev"},
                        {"platform_machine", "x86_64"},
                        {"implementation_name", "cpython"}};
  auto req = parse_requirement(text);
  if (req) {
    (void)req->str();
    (void)req->normalized_name();
    if (req->marker) (void)req->marker->evaluate(env);
  }
  auto marker = Marker::parse(text);
  if (marker) (void)marker->evaluate(env);
  (void)parse_wheel_filename(text);
  (void)url_scheme(text), (void)vcs_of(text), (void)vcs_revision(text);
  (void)egg_fragment(text), (void)url_filename(text);
}
