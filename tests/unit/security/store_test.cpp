// The advisory store: import, re-import, withdrawal, duplicates, atomicity, zip archives.
#include "security/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "security/match.h"
#include "support.h"

namespace pw::security {
namespace {

using testing::make_zip;
using testing::TempDir;
using testing::write;
namespace fs = std::filesystem;

std::string rec(const std::string& id, const std::string& modified, const std::string& name,
                const std::string& fixed, const std::string& extra = "") {
  return R"({"id": ")" + id + R"(", "modified": ")" + modified + R"(", "aliases": [], )" + extra +
         R"("affected": [{"package": {"ecosystem": "PyPI", "name": ")" + name +
         R"("}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": ")" +
         fixed + R"("}]}]}]})";
}

TEST(Store, ImportMatchAndStatus) {
  TempDir tmp;
  write(tmp / "db/a/PYSEC-1.json", rec("PYSEC-1", "2024-01-01T00:00:00Z", "Foo_Bar", "2.0"));
  write(tmp / "db/b/PYSEC-2.yaml",
        "id: PYSEC-2\nmodified: 2024-02-01T00:00:00Z\nsummary: s\naffected:\n- package:\n"
        "    ecosystem: PyPI\n    name: baz\n  versions: ['1.0']\n");
  write(tmp / "db/README.md", "not a record");
  Store store(tmp / "osv.db");
  ImportSummary s = store.import({(tmp / "db").string()});
  EXPECT_EQ(s.files_read, 2u);
  EXPECT_EQ(s.imported, 2u);
  EXPECT_EQ(match(store, "PyPI", "foo.bar", "1.9").size(), 1u);
  EXPECT_EQ(match(store, "PyPI", "foo.bar", "1.9")[0].fixed, std::vector<std::string>{"2.0"});
  EXPECT_TRUE(match(store, "PyPI", "foo-bar", "2.0").empty());
  EXPECT_EQ(match(store, "PyPI", "baz", "1.0.0").size(), 1u);  // versions list, PEP 440 equality
  EXPECT_TRUE(match(store, "PyPI", "baz", "1.1").empty());
  StoreStatus st = store.status();
  EXPECT_EQ(st.records, 2u);
  EXPECT_EQ(st.records_by_ecosystem["PyPI"], 2u);
  ASSERT_EQ(st.sources.size(), 1u);
  EXPECT_EQ(st.sources[0].records, 2u);
  EXPECT_EQ(st.newest_id, "PYSEC-2");
  EXPECT_TRUE(st.age.has_value());
  EXPECT_EQ(st.schema_version, Store::current_schema_version());
  EXPECT_TRUE(store.record_json("PYSEC-1").has_value());
}

TEST(Store, ReimportUpdatesKeepsAndRemoves) {
  TempDir tmp;
  write(tmp / "db/1.json", rec("A-1", "2024-01-01T00:00:00Z", "a", "1.0"));
  write(tmp / "db/2.json", rec("A-2", "2024-01-01T00:00:00Z", "a", "1.0"));
  write(tmp / "db/3.json", rec("A-3", "2024-01-01T00:00:00Z", "a", "1.0"));
  Store store(tmp / "osv.db");
  EXPECT_EQ(store.import({(tmp / "db").string()}).imported, 3u);
  write(tmp / "db/1.json", rec("A-1", "2024-03-01T00:00:00.5Z", "a", "2.0"));  // modified
  write(tmp / "db/2.json",
        rec("A-2", "2024-03-01T00:00:00Z", "a", "1.0", R"("withdrawn": "2024-03-01T00:00:00Z", )"));
  ImportSummary s = store.update();
  EXPECT_EQ(s.updated, 1u);
  EXPECT_EQ(s.unchanged, 1u);
  EXPECT_EQ(s.removed, 1u);
  EXPECT_EQ(match(store, "PyPI", "a", "1.5").size(), 1u);  // the new range of A-1
  fs::remove(tmp / "db/3.json");                           // gone from its source
  s = store.update();
  EXPECT_EQ(s.removed, 1u);
  EXPECT_EQ(store.status().records, 1u);
}

TEST(Store, DuplicatesAcrossSourcesKeepTheNewest) {
  TempDir tmp;
  write(tmp / "old/x.json", rec("D-1", "2024-01-01T00:00:00Z", "d", "1.0"));
  write(tmp / "new/x.json", rec("D-1", "2024-05-01T00:00:00Z", "d", "3.0"));
  Store store(tmp / "osv.db");
  ImportSummary s = store.import({(tmp / "new").string(), (tmp / "old").string()});
  EXPECT_EQ(s.imported, 1u);
  EXPECT_EQ(s.duplicates, 1u);
  EXPECT_EQ(match(store, "PyPI", "d", "2.0").size(), 1u);
}

TEST(Store, FailedImportLeavesThePreviousDatabase) {
  TempDir tmp;
  write(tmp / "first/x.json", rec("F-1", "2024-01-01T00:00:00Z", "f", "1.0"));
  Store store(tmp / "osv.db");
  store.import({(tmp / "first").string()});
  write(tmp / "second/y.json", rec("F-2", "2024-01-01T00:00:00Z", "g", "1.0"));
  std::string zip = make_zip({{"z.json", rec("F-3", "2024-01-01T00:00:00Z", "h", "1.0")}});
  write(tmp / "second/broken.zip", zip.substr(0, zip.size() / 2));
  EXPECT_THROW(store.import({(tmp / "second").string()}), Error);
  EXPECT_EQ(store.status().records, 1u);
  EXPECT_EQ(match(store, "PyPI", "f", "0.5").size(), 1u);
  EXPECT_TRUE(match(store, "PyPI", "g", "0.5").empty());
  EXPECT_THROW(store.import({(tmp / "missing").string()}), Error);
  // And a second connection sees the same.
  Store again(tmp / "osv.db");
  EXPECT_EQ(again.status().records, 1u);
}

TEST(Store, ZipArchivesReadInMemoryWithUnsafeMembersLeftOut) {
  TempDir tmp;
  std::string zip = make_zip(
      {{"Z-1.json", rec("Z-1", "2024-01-01T00:00:00Z", "z", "1.0")},
       {"../evil.json", rec("Z-2", "2024-01-01T00:00:00Z", "z", "1.0")},
       {"/abs.json", rec("Z-3", "2024-01-01T00:00:00Z", "z", "1.0")},
       {"big.json", rec("Z-4", "2024-01-01T00:00:00Z", "z", "1.0") + std::string(4096, ' ')},
       {"notes.txt", "x"}});
  write(tmp / "PyPI.zip", zip);
  Store store(tmp / "osv.db");
  ReadOptions opts;
  opts.max_member_size = 1024;
  ImportSummary s = store.import({(tmp / "PyPI.zip").string()}, opts);
  EXPECT_EQ(s.imported, 1u);
  EXPECT_EQ(s.skipped_reasons["unsafe member name"], 2u);
  EXPECT_EQ(s.skipped_reasons["member too large"], 1u);
  EXPECT_FALSE(fs::exists(tmp.path().parent_path() / "evil.json"));
}

TEST(Store, TruncatedZipIsAClearError) {
  TempDir tmp;
  std::string zip = make_zip({{"a.json", rec("T-1", "2024-01-01T00:00:00Z", "t", "1.0")}});
  write(tmp / "t.zip", zip.substr(0, zip.size() - 10));
  Store store(tmp / "osv.db");
  try {
    store.import({(tmp / "t.zip").string()});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("t.zip"), std::string::npos) << e.what();
  }
}

TEST(Store, NewerSchemaIsRefused) {
  TempDir tmp;
  { Store store(tmp / "osv.db"); }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((tmp / "osv.db").c_str(), &db), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  EXPECT_THROW(Store store(tmp / "osv.db"), Error);
}

}  // namespace
}  // namespace pw::security
