// poetry.lock as committed in a project: lock-check, setup-python and dependency-scan read it, and
// a hand-edited or truncated one must become diagnostics, never a crash.
#include "fuzz.h"
#include "python/lock_files.h"
#include "python/lock_sync.h"

PW_FUZZ_TARGET(text) {
  auto r = pw::python::read_lock_text(pw::python::LockFormat::poetry, text, "poetry.lock");
  if (r.lock) (void)pw::python::check_lock_sync(*r.lock, {});
}
