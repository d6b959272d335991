// The environment cache's key, now in the python layer: what changes it and what does not.
#include "python/venv_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "util/fs.h"

namespace pw::python {

namespace fs = std::filesystem;

TEST(VenvCacheKey, FollowsTheInputsAndWhatIsInstalled) {
  // `material` is the install plan's (the generated requirements and the files behind them, by
  // content); a lock's selection replaces it.
  VenvKeyInputs in{"/usr/bin/python3.11",
                   "3.11.2",
                   {"--no-index"},
                   true,
                   false,
                   "",
                   "requirements-dev.txt\npytest==8.0.0\n"};
  std::string key = venv_cache_key(in);
  EXPECT_EQ(key.size(), 24u);
  EXPECT_EQ(venv_cache_key(in), key);
  auto other = in;
  other.system_site_packages = true;
  EXPECT_NE(venv_cache_key(other), key);
  other = in;
  other.pip_args.clear();
  EXPECT_NE(venv_cache_key(other), key);
  other = in;
  other.material = "requirements-dev.txt\npytest==8.0.1\n";
  EXPECT_NE(venv_cache_key(other), key);
  other = in;
  other.lock_text = "pytest==8.0.0 --hash=sha256:00\n";
  std::string locked = venv_cache_key(other);
  EXPECT_NE(locked, key);
  other.material = "anything else";  // under a lock only the lock's selection counts
  EXPECT_EQ(venv_cache_key(other), locked);
}

TEST(VenvCache, AnEntryIsCompleteOnlyOnceMarked) {
  fs::path root = fs::temp_directory_path() / ("pw-venv-cache-" + std::to_string(::getpid()));
  VenvCache cache(root);
  fs::create_directories(cache.entry_dir("k"));
  EXPECT_FALSE(cache.is_complete("k"));
  cache.mark_complete("k", "python 3.11");
  EXPECT_TRUE(cache.is_complete("k"));
  ASSERT_EQ(cache.list().size(), 1u);
  EXPECT_EQ(cache.prune(std::nullopt).size(), 1u);
  EXPECT_TRUE(cache.list().empty());
  fs::remove_all(root);
}

TEST(VenvCache, VisibleSiteDirsOwnThenEntryThenSystem) {
  fs::path root = fs::temp_directory_path() / ("pw-visible-sites-" + std::to_string(::getpid()));
  fs::create_directories(root / "venv/lib/python3.11/site-packages");
  fs::create_directories(root / "entry/lib/python3.11/site-packages");
  std::vector<fs::path> system = {"/usr/lib/python3/dist-packages"};
  EXPECT_EQ(visible_site_dirs(root / "venv", root / "entry", system),
            (std::vector<fs::path>{root / "venv/lib/python3.11/site-packages",
                                   root / "entry/lib/python3.11/site-packages",
                                   "/usr/lib/python3/dist-packages"}));
  // No entry (the cache off): never the working directory's lib/.
  EXPECT_EQ(visible_site_dirs(root / "venv", fs::path(), {}),
            (std::vector<fs::path>{root / "venv/lib/python3.11/site-packages"}));
  fs::remove_all(root);
}

}  // namespace pw::python
