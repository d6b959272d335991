// `pipewright scan deps [PATH...]`: the dependency scan outside a pipeline, on requirements files
// or virtual environments, with the same reports and pip-audit's exit codes (0 clean, 1 a
// finding at or above --fail-on, 2 the scan could not run).
#pragma once

#include <string>
#include <vector>

namespace pw::cli {

int cmd_scan_deps(const std::vector<std::string>& paths, const std::string& out_dir,
                  const std::string& fail_on, const std::string& ignore_file);

// `pipewright scan image REF|ARCHIVE`: the image scan (image/) on an archive or folder given by
// path, or on an image of the local engine saved to a temporary archive first; the same exit
// codes as scan deps. `engine` "" picks docker or podman from PATH.
int cmd_scan_image(const std::string& ref, const std::string& out_dir, const std::string& fail_on,
                   const std::string& engine);

}  // namespace pw::cli
