// End to end: hotspots that live across scans, on the real Sentinel-2 sample.
//
// Scan 1 is the bundled pair. Scan 2 is the same before scene against a copy of the after
// scene, a month on, into which bare ground was painted next to one hotspot (it must grow,
// not duplicate) and far from every hotspot (it must be new). The packet of scan 2 is
// dispatched, verdicts are filled in its offline page in headless Chromium (where it is
// installed) or written by hand, imported with `zonewatch verify`, and scan 3 (the same
// picture two months on) must suppress the legal and false-alarm hotspots, keep the
// confirmed one under its ID and add nothing. A bad verdict file is refused whole. Runs
// killed at the store's crash points: monitoring_kill_test.cpp.
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "monitoring_support.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

/// Paints bright bare ground (NDVI ~ 0, SWIR above NIR) over `rect` into every band file of a
/// copied Sentinel-2 scene folder, each on its own grid (the files are EPSG:4326, 10/20 m).
void paint_bare_ground(const fs::path& folder, const Rect& rect) {
  const std::map<std::string, std::uint16_t> reflectance{{"_B02", 2600}, {"_B03", 2800}, {"_B04", 3000},
                                                         {"_B08", 3100}, {"_B11", 3900}, {"_B12", 3500}};
  OGRSpatialReference utm;
  utm.importFromEPSG(32648);
  utm.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    std::uint16_t value = 0;
    for (const auto& [suffix, v] : reflectance) {
      if (name.find(suffix) != std::string::npos) value = v;
    }
    ASSERT_NE(value, 0) << name;
    Dataset ds = open_dataset(entry.path(), GDAL_OF_RASTER | GDAL_OF_UPDATE);
    ASSERT_TRUE(ds) << name;
    OGRSpatialReference file_srs(*ds->GetSpatialRef());
    file_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> to_file(OGRCreateCoordinateTransformation(&utm, &file_srs));
    ASSERT_TRUE(to_file);
    std::array<double, 6> gt{};
    ds->GetGeoTransform(gt.data());
    double xs[4] = {rect.min_x, rect.max_x, rect.max_x, rect.min_x};
    double ys[4] = {rect.min_y, rect.min_y, rect.max_y, rect.max_y};
    ASSERT_TRUE(to_file->Transform(4, xs, ys));
    double col0 = 1e300, col1 = -1e300, row0 = 1e300, row1 = -1e300;
    for (int i = 0; i < 4; ++i) {
      const double col = (xs[i] - gt[0]) / gt[1], row = (ys[i] - gt[3]) / gt[5];
      col0 = std::min(col0, col), col1 = std::max(col1, col), row0 = std::min(row0, row), row1 = std::max(row1, row);
    }
    const int c0 = std::max(0, static_cast<int>(std::floor(col0))),
              r0 = std::max(0, static_cast<int>(std::floor(row0)));
    const int c1 = std::min(ds->GetRasterXSize(), static_cast<int>(std::ceil(col1)));
    const int r1 = std::min(ds->GetRasterYSize(), static_cast<int>(std::ceil(row1)));
    ASSERT_LT(c0, c1) << name;
    ASSERT_LT(r0, r1) << name;
    std::vector<std::uint16_t> block(static_cast<std::size_t>(c1 - c0) * static_cast<std::size_t>(r1 - r0), value);
    ASSERT_EQ(ds->GetRasterBand(1)->RasterIO(GF_Write, c0, r0, c1 - c0, r1 - r0, block.data(), c1 - c0, r1 - r0,
                                             GDT_UInt16, 0, 0, nullptr),
              CE_None);
  }
}

/// Hotspot polygons of a scan's alerts.gpkg (EPSG:32648), by hotspot ID.
std::map<std::string, OGRGeometryUniquePtr> hotspot_geometries(const fs::path& gpkg) {
  std::map<std::string, OGRGeometryUniquePtr> out;
  for (auto& row : read_layer(gpkg, "hotspots", true)) {
    OGRGeometry* geometry = nullptr;
    OGRGeometryFactory::createFromWkt(row["@geometry"].c_str(), nullptr, &geometry);
    out[row["hotspot_id"]] = OGRGeometryUniquePtr(geometry);
  }
  return out;
}

/// The control units of the sample in EPSG:32648, by code.
std::map<std::string, OGRGeometryUniquePtr> unit_geometries() {
  std::map<std::string, OGRGeometryUniquePtr> out;
  Dataset ds = open_dataset(kSampleDir / "units.gpkg", GDAL_OF_VECTOR | GDAL_OF_READONLY);
  OGRLayer* layer = ds->GetLayer(0);
  OGRSpatialReference utm;
  utm.importFromEPSG(32648);
  utm.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  for (auto& feature : *layer) {
    OGRGeometry* g = feature->GetGeometryRef()->clone();
    g->transformTo(&utm);
    out[feature->GetFieldAsString("unit_code")] = OGRGeometryUniquePtr(g);
  }
  return out;
}

OGRGeometryUniquePtr box(const Rect& r) { return OGRGeometryUniquePtr(rect_polygon(r).clone()); }

/// An 80 x 80 m square inside a priority unit, at least 300 m from every hotspot.
std::optional<Rect> clear_square(const std::map<std::string, OGRGeometryUniquePtr>& hotspots) {
  for (const auto& [code, unit] : unit_geometries()) {
    if (code.size() < 9 || code[8] != '1') continue;  // ZH + 6-digit county + type digit 1: priority
    OGREnvelope e;
    unit->getEnvelope(&e);
    for (double y = e.MinY + 100; y + 180 < e.MaxY; y += 50) {
      for (double x = e.MinX + 100; x + 180 < e.MaxX; x += 50) {
        const Rect candidate{x, y, x + 80, y + 80};
        const Rect margin{x - 100, y - 100, x + 180, y + 180};
        if (!unit->Contains(box(margin).get())) continue;
        const auto square = box(candidate);
        bool far = true;
        for (const auto& [id, h] : hotspots) far = far && square->Distance(h.get()) > 300.0;
        if (far) return candidate;
      }
    }
  }
  return std::nullopt;
}

std::string unescape_html_text(std::string s) {
  const std::vector<std::pair<std::string, std::string>> entities{
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", "\xC2\xA0"}, {"&amp;", "&"}};
  for (const auto& [entity, text] : entities) {
    for (std::size_t at = s.find(entity); at != std::string::npos; at = s.find(entity, at + text.size())) {
      s.replace(at, entity.size(), text);
    }
  }
  return s;
}

std::string run_command(const std::string& command) {
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {};
  std::string output;
  char buffer[65536];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  ::pclose(pipe);
  return output;
}

std::optional<std::string> find_chromium() {
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
    if (fs::exists(candidate)) return std::string(candidate);
  }
  return std::nullopt;
}

TEST_F(MonitoringTest, TwoScansVerdictsAndAThirdScan) {
  // ---- scan 1: the bundled pair
  const RunResult s1 = scan_named("s1", kSampleDir / "after", "2018-04-02");
  ASSERT_EQ(s1.exit_code, 0) << s1;
  EXPECT_NE(s1.out.find("scan #1"), std::string::npos) << s1;
  const auto s1_rows = rows_by_id(out("s1") / "hotspots.csv");
  ASSERT_GT(s1_rows.size(), 10u);
  for (const auto& [id, row] : s1_rows) {
    EXPECT_EQ(row.at("status"), "new") << id;
    EXPECT_EQ(row.at("track_event"), "new") << id;
    EXPECT_EQ(id.substr(id.size() - 12, 8), "-201804-") << id << ": <unit>-<YYYYMM>-<seq>";
  }
  const long long hotspots_after_s1 = feature_count(store_, "hotspots");
  EXPECT_EQ(hotspots_after_s1, static_cast<long long>(s1_rows.size()));

  // ---- the same scan again changes nothing
  const std::string snapshot_s1 = store_snapshot(store_);
  const RunResult again = scan_named("s1", kSampleDir / "after", "2018-04-02");
  ASSERT_EQ(again.exit_code, 0) << again;
  EXPECT_NE(again.out.find("already ingested"), std::string::npos) << again;
  EXPECT_EQ(store_snapshot(store_), snapshot_s1) << "re-running an ingested scan changed the store";
  EXPECT_EQ(rows_by_id(out("s1") / "hotspots.csv").size(), s1_rows.size());

  // ---- scan 2: bare ground painted east of the largest priority hotspot and far from all
  const auto geometries = hotspot_geometries(out("s1") / "alerts.gpkg");
  std::string grown_id;
  double grown_area = 0;
  for (const auto& [id, row] : s1_rows) {
    if (row.at("unit_type") == "priority" && std::stod(row.at("area_m2")) > grown_area) {
      grown_id = id;
      grown_area = std::stod(row.at("area_m2"));
    }
  }
  ASSERT_FALSE(grown_id.empty());
  // An 80 x 80 m square whose west edge touches the hotspot's easternmost vertex.
  OGRPoint east(-1e300, 0);
  {
    const OGRGeometry* g = geometries.at(grown_id).get();
    const auto* polygons = g->toMultiPolygon();
    for (const OGRPolygon* polygon : *polygons) {
      for (const OGRPoint& p : *polygon->getExteriorRing()) {
        if (p.getX() > east.getX()) east = p;
      }
    }
  }
  const Rect growth{east.getX(), east.getY() - 40, east.getX() + 80, east.getY() + 40};
  const auto fresh = clear_square(geometries);
  ASSERT_TRUE(fresh) << "no clear square found in a priority unit";
  const fs::path after2 = root_ / "after-2018-05";
  copy_folder(kSampleDir / "after", after2);
  paint_bare_ground(after2, growth);
  paint_bare_ground(after2, *fresh);

  // Expansion needs store.expansion.min_share of the footprint; the square is 80 m whatever
  // the hotspot's size, which follows the detector's defaults (9.6 ha with the closing), so
  // the share is set below what the square adds: 5 %.
  YAML::Node s2_config = YAML::LoadFile(config("s2", after2, "2018-05-02").string());
  s2_config["store"]["expansion"]["min_share"] = 0.05;
  ASSERT_LT(0.05 * grown_area, growth.area()) << "the hotspot outgrew the painted square";
  const RunResult s2 = scan(write_config(s2_config, root_ / "s2.yaml"), root_);
  ASSERT_EQ(s2.exit_code, 0) << s2;
  const auto s2_rows = rows_by_id(out("s2") / "hotspots.csv");
  ASSERT_TRUE(s2_rows.contains(grown_id)) << "the grown hotspot lost its ID";
  EXPECT_EQ(s2_rows.at(grown_id).at("track_event"), "expanded");
  EXPECT_GT(std::stod(s2_rows.at(grown_id).at("added_area_m2")), 0.5 * growth.area());
  EXPECT_EQ(s2_rows.at(grown_id).at("times_seen"), "2");
  EXPECT_EQ(s2_rows.at(grown_id).at("first_seen"), "2018-04-02");
  std::vector<std::string> new_ids;
  for (const auto& [id, row] : s2_rows) {
    if (row.at("track_event") == "new") new_ids.push_back(id);
    if (s1_rows.contains(id)) {
      EXPECT_NE(row.at("track_event"), "new") << id << " reported new twice";
    }
  }
  // The painted square is new, under a May ID, and lies where it was painted.
  bool fresh_found = false;
  const auto s2_geometries = hotspot_geometries(out("s2") / "alerts.gpkg");
  for (const std::string& id : new_ids) {
    EXPECT_NE(id.find("-201805-"), std::string::npos) << id;
    if (s2_geometries.at(id)->Intersects(box(*fresh).get())) fresh_found = true;
  }
  EXPECT_TRUE(fresh_found) << "the bare ground painted far from every hotspot is no new hotspot";
  // No duplicates: the store holds scan 1's hotspots plus scan 2's new ones.
  EXPECT_EQ(feature_count(store_, "hotspots"), hotspots_after_s1 + static_cast<long long>(new_ids.size()));
  std::set<std::string> reported_ids;
  for (const auto& [id, row] : s2_rows) EXPECT_TRUE(reported_ids.insert(id).second) << id;

  // ---- dispatch the grown hotspot's region; verdicts for three more of its hotspots
  const std::string region = s2_rows.at(grown_id).at("region");
  const RunResult dispatched = run_zonewatch(
      {"dispatch", "--store", store_.string(), "--region", region, "--out", (root_ / "packet").string()}, root_);
  ASSERT_EQ(dispatched.exit_code, 0) << dispatched;
  const auto packet = read_csv_table(root_ / "packet" / "hotspots.csv").rows;
  std::vector<std::string> candidates;
  for (const auto& row : packet) {
    EXPECT_EQ(row.at("status"), "dispatched") << row.at("hotspot_id");
    if (row.at("hotspot_id") != grown_id && row.at("unit_type") == "priority")
      candidates.push_back(row.at("hotspot_id"));
  }
  ASSERT_GE(candidates.size(), 3u);
  const std::string legal_id = candidates[0], false_alarm_id = candidates[1], confirmed_id = candidates[2];

  const fs::path verdicts = root_ / "verdicts.csv";
  if (const auto chromium = find_chromium()) {
    // The inspector's page: load it, check what it shows, fill three verdicts, export.
    std::string page = read_bytes(root_ / "packet" / "index.html");
    EXPECT_EQ(page.find("src=\"http"), std::string::npos) << "the offline page loads something from the network";
    EXPECT_EQ(page.find("href=\"http"), std::string::npos) << "the offline page links a network resource";
    const std::string script = R"(<script>
(function () {
  function card(id) { return document.querySelector('article[data-id="' + id + '"]'); }
  function set(id, name, value) {
    var input = card(id).querySelector('[name="' + name + '"]');
    input.value = value;
    input.dispatchEvent(new Event('change'));
  }
  var shown = {
    cards: document.querySelectorAll('article.hotspot').length,
    chips: Array.prototype.filter.call(document.querySelectorAll('img.chip'),
                                       function (img) { return img.src.indexOf('data:image/png') === 0; }).length,
    external: Array.prototype.filter.call(document.querySelectorAll('[src],link[href]'), function (el) {
      var url = el.getAttribute('src') || el.getAttribute('href');
      return !/^data:/.test(url);
    }).length,
    geo: document.querySelectorAll('a[href^="geo:"]').length,
    map: document.querySelectorAll('svg').length,
    text: document.body.innerText
  };
  document.getElementById('inspector').value = '李检查';
  set('@LEGAL@', 'verdict', 'legal');
  document.getElementById('export').click();
  shown.refused = document.getElementById('export-status').textContent;
  set('@LEGAL@', 'approval', '渝环审〔2018〕12号');
  set('@LEGAL@', 'verdict_date', '2018-05-20');
  set('@FALSE@', 'verdict', 'false_alarm');
  set('@FALSE@', 'verdict_date', '2018-05-20');
  set('@FALSE@', 'note', 'cloud shadow, "not" a change');
  set('@CONFIRMED@', 'verdict', 'confirmed');
  set('@CONFIRMED@', 'verdict_date', '2018-05-21');
  document.getElementById('export').click();
  shown.status = document.getElementById('export-status').textContent;
  shown.csv = document.getElementById('export-csv').value;
  var out = document.createElement('pre');
  out.id = 'test-result';
  out.textContent = JSON.stringify(shown);
  document.body.appendChild(out);
})();
</script>)";
    std::string filled = script;
    for (const auto& [token, id] : std::vector<std::pair<std::string, std::string>>{
             {"@LEGAL@", legal_id}, {"@FALSE@", false_alarm_id}, {"@CONFIRMED@", confirmed_id}}) {
      for (std::size_t at = filled.find(token); at != std::string::npos; at = filled.find(token))
        filled.replace(at, token.size(), id);
    }
    page.insert(page.rfind("</body>"), filled);
    write_bytes(root_ / "packet-under-test.html", page);
    const std::string dom = run_command("'" + *chromium +
                                        "' --headless --no-sandbox --disable-gpu --no-first-run "
                                        "--disable-extensions --dump-dom 'file://" +
                                        (root_ / "packet-under-test.html").string() + "' 2>/dev/null");
    const std::string open_tag = "<pre id=\"test-result\">";
    const std::size_t begin = dom.find(open_tag), end = dom.find("</pre>", begin);
    ASSERT_NE(begin, std::string::npos) << "headless Chromium gave no result: " << dom.substr(0, 2000);
    const nlohmann::json shown =
        nlohmann::json::parse(unescape_html_text(dom.substr(begin + open_tag.size(), end - begin - open_tag.size())));
    EXPECT_EQ(shown.at("cards"), packet.size());
    EXPECT_EQ(shown.at("chips"), 2 * packet.size()) << "a before and an after chip per hotspot, embedded";
    EXPECT_EQ(shown.at("external"), 0);
    EXPECT_EQ(shown.at("geo"), packet.size());
    EXPECT_GE(shown.at("map"), 1);
    const std::string text = shown.at("text");
    for (const auto& row : packet) EXPECT_NE(text.find(row.at("hotspot_id")), std::string::npos);
    EXPECT_NE(text.find("亩"), std::string::npos);
    EXPECT_NE(text.find("CGCS2000"), std::string::npos);
    EXPECT_NE(text.find(packet.front().at("lat_dms_wgs84")), std::string::npos) << "DMS coordinates";
    EXPECT_NE(shown.at("refused").get<std::string>().find(legal_id), std::string::npos)
        << "a legal verdict without its approval number was exported";
    EXPECT_NE(shown.at("status").get<std::string>().find("3 verdicts exported"), std::string::npos);
    write_bytes(verdicts, shown.at("csv").get<std::string>());
  } else {
    std::cerr << "chromium is not installed: the packet page is not exercised, verdicts are written by hand\n";
    write_bytes(verdicts, "hotspot_id,verdict,verdict_date,inspector,note,approval\n" + legal_id +
                              ",legal,2018-05-20,李检查,,渝环审〔2018〕12号\n" + false_alarm_id +
                              ",false_alarm,2018-05-20,李检查,\"cloud shadow, \"\"not\"\" a change\",\n" +
                              confirmed_id + ",confirmed,2018-05-21,李检查,,\n");
  }

  const RunResult verified =
      run_zonewatch({"verify", "--store", store_.string(), "--results", verdicts.string()}, root_);
  ASSERT_EQ(verified.exit_code, 0) << verified;
  {
    const auto hotspots = read_layer(store_, "hotspots");
    std::map<std::string, std::map<std::string, std::string>> by_id;
    for (const auto& h : hotspots) by_id[h.at("hotspot_id")] = h;
    EXPECT_EQ(by_id.at(legal_id).at("status"), "legal");
    EXPECT_EQ(by_id.at(legal_id).at("approval"), "渝环审〔2018〕12号");
    EXPECT_EQ(by_id.at(false_alarm_id).at("status"), "false_alarm");
    EXPECT_EQ(by_id.at(false_alarm_id).at("verdict_note"), "cloud shadow, \"not\" a change");
    EXPECT_EQ(by_id.at(confirmed_id).at("status"), "rectification_due");
    EXPECT_EQ(by_id.at(confirmed_id).at("inspector"), "李检查");
  }
  const RunResult report = run_zonewatch({"report", "--store", store_.string(), "--json"}, root_);
  ASSERT_EQ(report.exit_code, 0) << report;
  const nlohmann::json report_json = nlohmann::json::parse(report.out);
  bool precision_found = false;
  for (const auto& row : report_json.at("precision")) {
    if (row.at("dimension") == "all") {
      precision_found = true;
      EXPECT_EQ(row.at("verified"), 3);
      EXPECT_NEAR(row.at("alert_precision").get<double>(), 1.0 / 3.0, 1e-9);
      EXPECT_NEAR(row.at("change_precision").get<double>(), 2.0 / 3.0, 1e-9);
    }
  }
  EXPECT_TRUE(precision_found) << report.out;

  // ---- scan 3: the same ground two months on
  const std::string snapshot_before_s3 = store_snapshot(store_);
  const RunResult s3 = scan_named("s3", after2, "2018-06-04");
  ASSERT_EQ(s3.exit_code, 0) << s3;
  const auto s3_rows = rows_by_id(out("s3") / "hotspots.csv");
  EXPECT_FALSE(s3_rows.contains(legal_id)) << "a legal hotspot alerted again";
  EXPECT_FALSE(s3_rows.contains(false_alarm_id)) << "a false alarm alerted again";
  ASSERT_TRUE(s3_rows.contains(confirmed_id));
  EXPECT_EQ(s3_rows.at(confirmed_id).at("status"), "rectification_due");
  ASSERT_TRUE(s3_rows.contains(grown_id));
  EXPECT_EQ(s3_rows.at(grown_id).at("times_seen"), "3");
  for (const auto& [id, row] : s3_rows) EXPECT_NE(row.at("track_event"), "new") << id << ": nothing new was painted";
  EXPECT_EQ(feature_count(store_, "hotspots"), hotspots_after_s1 + static_cast<long long>(new_ids.size()))
      << "scan 3 duplicated a hotspot";
  EXPECT_EQ(s3_rows.size() + 2, s2_rows.size()) << "exactly the two settled hotspots are suppressed";
  const nlohmann::json run3 = read_json(out("s3") / "run.json");
  EXPECT_GE(run3.at("store").at("suppressed").get<int>(), 2);
  EXPECT_NE(store_snapshot(store_), snapshot_before_s3);

  // ---- --since-last: an older scene than the store's last scan does nothing
  const RunResult stale = scan(config("s0", kSampleDir / "after", "2018-04-02"), root_, {"--since-last"});
  EXPECT_EQ(stale.exit_code, 0) << stale;
  EXPECT_FALSE(fs::exists(out("s0") / "run.json")) << "--since-last ran a scan older than the last one";
}

TEST_F(MonitoringTest, BadVerdictFilesAreRefusedByRowAndNothingIsApplied) {
  const RunResult s1 = scan_named("s1", kSampleDir / "after", "2018-04-02");
  ASSERT_EQ(s1.exit_code, 0) << s1;
  const auto rows = rows_by_id(out("s1") / "hotspots.csv");
  const std::string good = rows.begin()->first;
  const fs::path verdicts = root_ / "bad.csv";
  write_bytes(verdicts, "hotspot_id,verdict,verdict_date\n" + good + ",confirmed,2018-05-20\n" +
                            "ZH99999999999-201804-0001,confirmed,2018-05-20\n" + good + ",maybe,2018-05-20\n");
  const std::string before = store_snapshot(store_);
  const RunResult refused =
      run_zonewatch({"verify", "--store", store_.string(), "--results", verdicts.string()}, root_);
  EXPECT_EQ(refused.exit_code, 3) << refused;
  EXPECT_NE(refused.err.find("bad.csv"), std::string::npos) << refused;
  EXPECT_NE(refused.err.find("row 3"), std::string::npos) << refused;
  EXPECT_NE(refused.err.find("ZH99999999999-201804-0001"), std::string::npos) << refused;
  EXPECT_NE(refused.err.find("row 4"), std::string::npos) << refused;
  EXPECT_EQ(store_snapshot(store_), before) << "a refused file was half applied";
}

}  // namespace
}  // namespace zw::e2e
