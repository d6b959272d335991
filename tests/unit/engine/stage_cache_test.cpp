#include "engine/stage_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/hash.h"

namespace pw::engine {

namespace {

struct Scratch {
  fs::path dir;
  Scratch() {
    dir = fs::temp_directory_path() /
          ("pw-stage-cache-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
};

CacheEntry entry(const std::string& key) {
  CacheEntry e;
  e.key = key;
  e.stage = "tests";
  e.project = "p";
  e.build = 3;
  e.status = Status::success;
  e.summary = "5 passed";
  e.data = {{"tests", {{"passed", 5}}}};
  e.duration_ms = 3100;
  return e;
}

const std::string kKey = std::string(64, 'a');

}  // namespace

TEST(StageCache, StoresAndRestoresWithThisBuildsPaths) {
  Scratch s;
  fs::path b1 = s.dir / "builds/1", ws1 = b1 / "workspace";
  fs::create_directories(b1 / "reports");
  fs::create_directories(ws1 / "dist");
  write_file_atomic(b1 / "reports/coverage.xml", "<source>" + ws1.string() + "/app</source>\n");
  write_file_atomic(ws1 / "dist/p-1.whl", std::string("PK\0\x03binary", 10));
  write_file_atomic(b1 / "reports/other.txt", "not an output\n");
  write_file_atomic(b1 / "log", "ran in " + ws1.string() + "\n");
  StageCache cache(s.dir / "cache");
  cache.store(entry(kKey), {"reports/coverage.xml", "workspace/dist/**"}, b1, ws1, b1 / "log");

  std::string warning;
  auto e = cache.lookup(kKey, warning);
  ASSERT_TRUE(e) << warning;
  EXPECT_EQ(e->files.size(), 2u);
  EXPECT_EQ(e->summary, "5 passed");
  EXPECT_EQ(e->data["tests"]["passed"], 5);

  fs::path b2 = s.dir / "builds/2", ws2 = b2 / "workspace";
  std::string log = cache.restore(*e, b2, ws2);
  EXPECT_EQ(read_file(b2 / "reports/coverage.xml"), "<source>" + ws2.string() + "/app</source>\n");
  EXPECT_EQ(read_file(ws2 / "dist/p-1.whl"), std::string("PK\0\x03binary", 10));
  EXPECT_FALSE(fs::exists(b2 / "reports/other.txt"));
  EXPECT_EQ(log, "ran in " + ws2.string() + "\n");
}

TEST(StageCache, TruncatedManifestIsIgnoredWithAReason) {
  Scratch s;
  fs::path b = s.dir / "b";
  fs::create_directories(b / "reports");
  write_file_atomic(b / "reports/r.xml", "x");
  StageCache cache(s.dir / "cache");
  cache.store(entry(kKey), {"reports/r.xml"}, b, b / "workspace", b / "nolog");
  fs::path manifest = s.dir / "cache/entries/aa" / (kKey + ".json");
  std::string text = read_file(manifest);
  write_file_atomic(manifest, text.substr(0, text.size() / 2));
  std::string warning;
  EXPECT_FALSE(cache.lookup(kKey, warning));
  EXPECT_NE(warning.find("damaged"), std::string::npos);
  EXPECT_FALSE(fs::exists(manifest));  // not tried again and again
}

TEST(StageCache, TamperedObjectRestoresNothing) {
  Scratch s;
  fs::path b = s.dir / "b";
  fs::create_directories(b / "reports");
  write_file_atomic(b / "reports/a.xml", "a");
  write_file_atomic(b / "reports/b.xml", "b");
  StageCache cache(s.dir / "cache");
  cache.store(entry(kKey), {"reports/*.xml"}, b, b / "workspace", b / "nolog");
  write_file_atomic(s.dir / "cache/objects" / sha256_hex("b").substr(0, 2) / sha256_hex("b"),
                    "evil");
  std::string warning;
  auto e = cache.lookup(kKey, warning);
  ASSERT_TRUE(e);
  fs::path b2 = s.dir / "b2";
  EXPECT_THROW(cache.restore(*e, b2, b2 / "workspace"), Error);
  EXPECT_FALSE(fs::exists(b2 / "reports/a.xml"));  // all or nothing
}

TEST(StageCache, EntryFromAnotherFormatIsIgnored) {
  Scratch s;
  StageCache cache(s.dir / "cache");
  fs::path manifest = s.dir / "cache/entries/aa" / (kKey + ".json");
  fs::create_directories(manifest.parent_path());
  std::string body = "{\"format\": 99, \"key\": \"" + kKey + "\"}\n";
  write_file_atomic(manifest, sha256_hex(body) + "\n" + body);
  std::string warning;
  EXPECT_FALSE(cache.lookup(kKey, warning));
  EXPECT_NE(warning.find("another pipewright"), std::string::npos);
}

TEST(StageCache, PruneKeepsTheNewestWithinTheBound) {
  Scratch s;
  fs::path b = s.dir / "b";
  fs::create_directories(b / "reports");
  StageCache cache(s.dir / "cache");
  for (char c : std::string("abc")) {
    write_file_atomic(b / "reports/r.xml", std::string(1000, c));
    auto e = entry(std::string(64, c));
    cache.store(e, {"reports/r.xml"}, b, b / "workspace", b / "nolog");
    // Entries are ordered by creation second: make them distinct.
    fs::path m = s.dir / "cache/entries" / std::string(2, c) / (std::string(64, c) + ".json");
    std::string text = read_file(m);
    auto body = nlohmann::json::parse(text.substr(text.find('\n') + 1));
    body["created"] = std::to_string(1000 + (c - 'a'));
    std::string out = body.dump(2) + "\n";
    write_file_atomic(m, sha256_hex(out) + "\n" + out);
  }
  auto removed = cache.prune(std::nullopt, 2500);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].key, std::string(64, 'a'));
  EXPECT_EQ(cache.list().size(), 2u);
  // The pruned entry's object went too.
  EXPECT_FALSE(
      fs::exists(s.dir / "cache/objects" / sha256_hex(std::string(1000, 'a')).substr(0, 2) /
                 sha256_hex(std::string(1000, 'a'))));
  EXPECT_EQ(cache.prune(std::chrono::system_clock::time_point::max(), 0).size(), 2u);
  EXPECT_TRUE(cache.list().empty());
}

}  // namespace pw::engine
