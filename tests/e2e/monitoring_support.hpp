#pragma once
// Shared by the monitoring end-to-end tests (monitoring_test.cpp: scans, packets, verdicts;
// monitoring_kill_test.cpp: killed runs): a store beside the sample's scans, snapshots of
// its tables, the scans' hotspots by ID.
#include <map>
#include <string>

#include "e2e_support.hpp"

namespace zw::e2e {

/// A copy of a scene folder (its files, flat).
inline void copy_folder(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(from)) fs::copy_file(entry.path(), to / entry.path().filename());
}

/// Every row of the store's tables as text: equal snapshots mean an unchanged store.
inline std::string store_snapshot(const fs::path& store) {
  std::string text;
  for (const char* table : {"scans", "hotspots", "observations", "events", "unit_stats", "verdicts", "dispatches"}) {
    text += std::string("## ") + table + "\n";
    for (const auto& row : read_layer(store, table, true)) {
      for (const auto& [key, value] : row) text += key + "=" + value + "|";
      text += "\n";
    }
  }
  return text;
}

/// The rows of a hotspots.csv by hotspot ID.
inline std::map<std::string, std::map<std::string, std::string>> rows_by_id(const fs::path& csv) {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (auto& row : read_csv_table(csv).rows) out[row["hotspot_id"]] = row;
  return out;
}

/// A monitoring programme in a temp folder: scans of the sample into one store.
class MonitoringTest : public TempFolderTest {
 protected:
  void SetUp() override {
    TempFolderTest::SetUp();
    store_ = root_ / "programme.gpkg";
  }

  /// A scan config of the sample with `after` as the after scene, dated `date`.
  fs::path config(const std::string& name, const fs::path& after, const std::string& date) {
    YAML::Node c = sample_config(root_ / ("out-" + name));
    c["name"] = name;
    c["after"]["path"] = after.string();
    c["after"]["date"] = date;
    c["store"]["path"] = store_.string();
    return write_config(c, root_ / (name + ".yaml"));
  }

  RunResult scan_named(const std::string& name, const fs::path& after, const std::string& date) {
    return scan(config(name, after, date), root_);
  }

  fs::path out(const std::string& name) const { return root_ / ("out-" + name); }

  fs::path store_;
};

}  // namespace zw::e2e
