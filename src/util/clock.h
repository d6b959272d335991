// Wall-clock time as build records write it.
#pragma once

#include <chrono>
#include <string>

namespace pw {

// ISO 8601 in UTC with milliseconds: "2026-11-25T06:36:16.123Z".
std::string iso8601(std::chrono::system_clock::time_point t);
inline std::string iso8601_now() { return iso8601(std::chrono::system_clock::now()); }

}  // namespace pw
