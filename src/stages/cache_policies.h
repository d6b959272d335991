// What each built-in stage kind reads and leaves behind, for the stage cache
// (engine/stage_cache.h): the tree paths in its key, the files restored from an entry, and what
// else its key covers.
#pragma once

#include <string>

#include "engine/stage_cache.h"

namespace pw::stages {

// The policy of a built-in kind; kinds with effects outside the build (image-build, image-push,
// upload, deploy, post), the checkout and the environment are never cached.
engine::CachePolicy cache_policy(const std::string& kind);

}  // namespace pw::stages
