// Telling a full disk apart from other failures, for the tools that hide why they failed.
#pragma once

#include <filesystem>
#include <string>

namespace pw {

// When the file system holding `path` (or its nearest existing parent) has less than 1 MiB left:
// " (the file system of PATH is full: N KiB free)", to add to a failure whose tool did not say
// why (python -m venv hides ensurepip's ENOSPC); "" otherwise.
std::string full_disk_note(const std::filesystem::path& path);

}  // namespace pw
