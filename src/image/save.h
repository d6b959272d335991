// Getting an image of the local container engine into an archive the scan reads: `docker save`
// and `podman save` take the same arguments and write the same docker-archive tar.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace pw::image {

// The message for when neither docker nor podman can be used.
std::string no_engine_message();
// <engine> save -o <out> <ref>
std::vector<std::string> save_argv(const std::string& engine, const std::string& ref,
                                   const std::filesystem::path& out);
// True when `arg` names an existing file or folder (scanned directly) rather than an image
// reference to save first.
bool is_local_archive(const std::string& arg);

}  // namespace pw::image
