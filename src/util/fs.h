// File helpers that report failures as pw::Error naming the path and the system's reason.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace pw {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path);
// Reads a file in 64 KiB pieces, each to `chunk` (sha256_file_hex hashes it as it comes).
void read_file_chunks(const fs::path& path, const std::function<void(std::string_view)>& chunk);
// Writes through a temporary file in the same folder and renames it into place, so a reader
// never sees half a file and a crash leaves the old version (ccache's AtomicFile idea).
void write_file_atomic(const fs::path& path, std::string_view content);
// Appends everything or throws, naming the path (a full disk is an error, not a silent loss).
void write_all(int fd, std::string_view data, const fs::path& path_for_errors);
// strerror of the current errno, as text.
std::string errno_text(int err);

// The user's cache folder for pipewright: $XDG_CACHE_HOME/pipewright, else ~/.cache/pipewright.
fs::path cache_home();
// The user's config folder: $XDG_CONFIG_HOME/pipewright, else ~/.config/pipewright.
fs::path config_home();

// Where an executable of that name is on PATH, or "" when there is none.
std::string find_on_path(std::string_view program);
// The same search in the directories of `path` (a PATH value: dir:dir:...), for a child whose
// PATH differs from pipewright's.
std::string find_on_path(std::string_view program, std::string_view path);

}  // namespace pw
