// End to end: untrusted text stays text. Unit names, codes, regions, approval numbers,
// inspectors and notes come from outside; here every one of them carries markup that would run
// if it were pasted into a page (<script>, an attribute break into <img onerror>), a CDATA end
// (]]>), a spreadsheet formula (= + - @, DDE) and control characters. The bundled sample is
// scanned with such a units layer, its region dispatched, verdicts with such notes filled in the
// packet's page and imported, the region dispatched again and reported on. Then: the pages
// (summary.html, both packets' index.html) opened in headless Chromium ran no injected script
// and show the text literally; hotspots.kml and hotspots.gpx are well-formed XML (expat, via
// OGR, and CPLParseXMLString) holding the text; no cell of any CSV starts a formula; the report
// writes no control character to the terminal. Unit codes that cannot be IDs are refused.
#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <cpl_error.h>
#include <cpl_minixml.h>

#include "e2e_support.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

// Each payload leaves a mark if it ever runs or becomes markup: window.__pwned, a document
// title, or an element whose id starts with "pwned".
const std::string kScript = "<script>window.__pwned='script';document.title='PWNED'</script>";
const std::string kImg = "\"><img id=\"pwned-img\" src=x onerror=\"window.__pwned='img'\">";
const std::string kSingleQuoteImg = "'><img id='pwned-img2' src=x onerror='window.__pwned=1'>";
const std::string kCdata = "]]><b id=\"pwned-cdata\">cdata</b>";
const std::string kControl = "ctl\x01\x07\x1b[31m\x7f";
const std::string kDde = "cmd|' /C calc'!A0";

std::string payloads() { return kScript + " " + kImg + " " + kSingleQuoteImg + " " + kCdata + " " + kControl + " "; }

// One formula character per field, at the start where a spreadsheet looks.
std::string hostile_name(const std::string& original) { return "=" + kDde + " " + payloads() + original; }
std::string hostile_region(const std::string& original) { return "+" + kDde + " " + payloads() + original; }
const std::string kNote = "-2+3+" + kDde + " " + "<script>window.__pwned='note'</script> \"><img id=\"pwned-note\" " +
                          "src=x onerror=\"window.__pwned=2\"> ]]> " + kControl + " 备注";
const std::string kApproval =
    "@SUM(1+1)*" + kDde + " <script>window.__pwned='approval'</script> ]]> " + kControl + " 渝环审〔2018〕12号";
const std::string kInspector = "=HYPERLINK(\"http://evil.example\",\"x\") <img id=\"pwned-inspector\" src=x " +
                               std::string("onerror=\"window.__pwned=3\"> ") + kControl + " 李检查";

/// A code that is still a safe ID, but holds the XML/HTML/JS-quoting characters an ID may hold.
std::string hostile_code(const std::string& original) { return original + "&'"; }

/// How a page or an XML file shows text: control characters (other than tab and line ends)
/// replaced by U+FFFD.
std::string shown(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t' && c != '\n' && c != '\r') || byte == 0x7F) {
      out += "\xEF\xBF\xBD";
    } else {
      out += c;
    }
  }
  return out;
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

/// Text of a serialised DOM text node (single pass: "&amp;lt;" stays "&lt;").
std::string unescape_html_text(const std::string& s) {
  static const std::vector<std::pair<std::string, std::string>> kEntities{
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", "\xC2\xA0"}, {"&amp;", "&"}};
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    bool replaced = false;
    for (const auto& [entity, text] : kEntities) {
      if (s.compare(i, entity.size(), entity) == 0) {
        out += text;
        i += entity.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += s[i++];
  }
  return out;
}

/// A JSON value safe inside a <script> block: "</" and "<!--" cannot end or comment it.
std::string script_json(const nlohmann::json& value) {
  std::string text = value.dump();
  for (std::size_t at = text.find('<'); at != std::string::npos; at = text.find('<', at + 6)) {
    text.replace(at, 1, "\\u003c");
  }
  return text;
}

/// Loads `page` in headless Chromium with a probe script appended that records what ran (marks
/// left by the payloads) and what the page shows, after running `extra` (JavaScript that may
/// add fields to `result`).
nlohmann::json probe_page(const std::string& chromium, const fs::path& page, const fs::path& scratch,
                          const std::string& extra = "") {
  std::string html = read_bytes(page);
  const std::string probe = R"(<script id="zw-probe">
(function () {
  var result = {
    marks: document.querySelectorAll('[id^="pwned"], [onerror], iframe, object, embed').length,
    injected_scripts: Array.prototype.filter.call(document.scripts, function (s) {
      return s.id !== 'zw-probe' && s.textContent.indexOf('__pwned') >= 0;
    }).length,
    title: document.title,
    flag: window.__pwned === undefined ? null : String(window.__pwned),
    text: document.body.innerText
  };
)" + extra + R"(
  var out = document.createElement('pre');
  out.id = 'probe-result';
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
})();
</script>)";
  const std::size_t body_end = html.rfind("</body>");
  if (body_end == std::string::npos) {
    ADD_FAILURE() << page << ": no </body>";
    return nlohmann::json::object();
  }
  html.insert(body_end, probe);
  const fs::path under_test =
      scratch / (page.parent_path().filename().string() + "-" + page.stem().string() + "-probe.html");
  write_bytes(under_test, html);
  const std::string dom = run_command("'" + chromium +
                                      "' --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions "
                                      "--dump-dom 'file://" +
                                      under_test.string() + "' 2>/dev/null");
  const std::string open_tag = "<pre id=\"probe-result\">";
  const std::size_t begin = dom.find(open_tag), end = dom.find("</pre>", begin);
  if (begin == std::string::npos || end == std::string::npos) {
    ADD_FAILURE() << page << ": headless Chromium gave no result (injected markup swallowed the probe?): "
                  << dom.substr(0, 2000);
    return nlohmann::json::object();
  }
  return nlohmann::json::parse(unescape_html_text(dom.substr(begin + open_tag.size(), end - begin - open_tag.size())));
}

/// Nothing injected ran or became an element.
void expect_nothing_ran(const nlohmann::json& shown_page, const std::string& what) {
  ASSERT_TRUE(shown_page.contains("marks")) << what << ": no probe result";
  EXPECT_EQ(shown_page.at("marks"), 0) << what << ": injected markup became elements";
  EXPECT_EQ(shown_page.at("injected_scripts"), 0) << what << ": a script element was injected";
  EXPECT_TRUE(shown_page.at("flag").is_null()) << what << ": injected script ran: " << shown_page.at("flag");
  EXPECT_NE(shown_page.at("title"), "PWNED") << what << ": injected script set the title";
}

bool is_plain_number(const std::string& cell) {
  static const std::regex kNumber("^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$");
  return std::regex_match(cell, kNumber);
}

/// Every cell of a CSV file: none starts a formula (= + - @, tab, carriage return) unless it is
/// a plain number. Returns the table.
CsvTable expect_no_formula(const fs::path& csv) {
  const CsvTable table = read_csv_table(csv);
  EXPECT_FALSE(table.header.empty()) << csv;
  std::size_t cells = 0;
  std::set<std::string> reported;  // one failure per column
  for (const auto& row : table.rows) {
    for (const auto& [column, cell] : row) {
      ++cells;
      if (cell.empty() || std::string("=+-@\t\r").find(cell.front()) == std::string::npos) continue;
      if (!is_plain_number(cell) && reported.insert(column).second) {
        ADD_FAILURE() << csv << " column " << column << ": a formula: " << cell;
      }
    }
  }
  EXPECT_GT(cells, 0u) << csv;
  return table;
}

/// All text of an XML tree (text nodes and attribute values), concatenated with line breaks.
void collect_text(const CPLXMLNode* node, std::string& out) {
  for (; node != nullptr; node = node->psNext) {
    if (node->eType == CXT_Text) out += std::string(node->pszValue) + "\n";
    collect_text(node->psChild, out);
  }
}

/// `path` is well-formed XML: CPLParseXMLString reads it, and OGR's `driver` (expat, which
/// refuses characters XML 1.0 does not allow) reads every feature without an error. Returns
/// its text.
std::string expect_well_formed(const fs::path& path, const char* driver) {
  const std::string bytes = read_bytes(path);
  CPLErrorReset();
  CPLXMLNode* root = CPLParseXMLString(bytes.c_str());
  EXPECT_NE(root, nullptr) << path << ": " << CPLGetLastErrorMsg();
  std::string text;
  collect_text(root, text);
  CPLDestroyXMLNode(root);
  if (GetGDALDriverManager()->GetDriverByName(driver) == nullptr) {
    std::cerr << "GDAL has no " << driver << " driver: " << path << " is checked by CPLParseXMLString only\n";
    return text;
  }
  const char* const drivers[] = {driver, nullptr};
  CPLErrorReset();
  Dataset ds(
      GDALDataset::FromHandle(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, nullptr, nullptr)));
  EXPECT_TRUE(ds) << path << ": " << driver << " cannot open it: " << CPLGetLastErrorMsg();
  if (!ds) return text;
  long long features = 0;
  for (OGRLayer* layer : ds->GetLayers()) {
    for (auto& feature : *layer) {
      (void)feature;
      ++features;
    }
  }
  EXPECT_NE(CPLGetLastErrorType(), CE_Failure) << path << ": " << CPLGetLastErrorMsg();
  EXPECT_GT(features, 0) << path;
  return text;
}

/// One unit of the sample, as read from samples/chongqing/units.gpkg.
struct SampleUnit {
  std::string code, name, type, region;
  OGRGeometryUniquePtr geometry;
};

std::vector<SampleUnit> sample_units(OGRSpatialReference& srs) {
  std::vector<SampleUnit> units;
  Dataset ds = open_dataset(kSampleDir / "units.gpkg", GDAL_OF_VECTOR | GDAL_OF_READONLY);
  if (!ds) return units;
  OGRLayer* layer = ds->GetLayerByName("units");
  if (layer == nullptr) return units;
  srs = *layer->GetSpatialRef();
  for (auto& feature : *layer) {
    units.push_back({feature->GetFieldAsString("unit_code"), feature->GetFieldAsString("unit_name"),
                     feature->GetFieldAsString("unit_type"), feature->GetFieldAsString("region"),
                     OGRGeometryUniquePtr(feature->GetGeometryRef()->clone())});
  }
  return units;
}

/// The sample's units, their attributes as `units` gives them, in a new GeoPackage built with
/// OGR (text fields without a width, so nothing is cut).
void write_units(const fs::path& gpkg, const OGRSpatialReference& srs, const std::vector<SampleUnit>& units) {
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
  Dataset ds(driver->Create(gpkg.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  ASSERT_TRUE(ds) << gpkg;
  OGRSpatialReference layer_srs(srs);
  OGRLayer* layer = ds->CreateLayer("units", &layer_srs, wkbMultiPolygon, nullptr);
  ASSERT_NE(layer, nullptr) << gpkg;
  for (const char* name : {"unit_code", "unit_name", "unit_type", "region"}) {
    OGRFieldDefn field(name, OFTString);
    ASSERT_EQ(layer->CreateField(&field), OGRERR_NONE) << name;
  }
  for (const SampleUnit& u : units) {
    OGRFeature feature(layer->GetLayerDefn());
    feature.SetField("unit_code", u.code.c_str());
    feature.SetField("unit_name", u.name.c_str());
    feature.SetField("unit_type", u.type.c_str());
    feature.SetField("region", u.region.c_str());
    OGRGeometryUniquePtr geometry(OGRGeometryFactory::forceToMultiPolygon(u.geometry->clone()));
    feature.SetGeometry(geometry.get());
    ASSERT_EQ(layer->CreateFeature(&feature), OGRERR_NONE) << u.code;
  }
}

class UntrustedTextTest : public TempFolderTest {
 protected:
  void SetUp() override {
    TempFolderTest::SetUp();
    units_ = sample_units(srs_);
    ASSERT_EQ(units_.size(), 13u) << "the bundled sample's units.gpkg";
  }

  fs::path config(const fs::path& units, const std::string& name) {
    YAML::Node c = sample_config(root_ / ("out-" + name));
    c["name"] = name;
    c["units"]["path"] = units.string();
    c["store"]["path"] = (root_ / "programme.gpkg").string();
    return write_config(c, root_ / (name + ".yaml"));
  }

  OGRSpatialReference srs_;
  std::vector<SampleUnit> units_;
};

TEST_F(UntrustedTextTest, HostileNamesCodesRegionsAndNotesStayTextInEveryOutput) {
  const auto chromium = find_chromium();
  if (!chromium) std::cerr << "chromium is not installed: the pages are not opened, only their files checked\n";

  std::map<std::string, std::string> name_of_code, region_of_code;
  for (SampleUnit& u : units_) {
    u.code = hostile_code(u.code);
    u.name = hostile_name(u.name);
    u.region = hostile_region(u.region);
    name_of_code[u.code] = u.name;
    region_of_code[u.code] = u.region;
  }
  const fs::path units = root_ / "hostile-units.gpkg";
  write_units(units, srs_, units_);

  // ---- scan: hotspots.csv, summary.html
  const RunResult scanned = scan(config(units, "s1"), root_);
  ASSERT_EQ(scanned.exit_code, 0) << scanned;
  const fs::path out = root_ / "out-s1";
  const CsvTable hotspots = expect_no_formula(out / "hotspots.csv");
  ASSERT_FALSE(hotspots.rows.empty());
  for (const auto& row : hotspots.rows) {
    const std::string& code = row.at("unit_code");
    ASSERT_TRUE(name_of_code.contains(code)) << "unit code not kept literally: " << code;
    EXPECT_EQ(row.at("unit_name"), "'" + name_of_code.at(code)) << "the name, literally, neutralised";
    EXPECT_EQ(row.at("region"), "'" + region_of_code.at(code)) << "the region, literally, neutralised";
    EXPECT_TRUE(row.at("hotspot_id").starts_with(code + "-")) << row.at("hotspot_id");
  }
  const std::string region = region_of_code.at(hotspots.rows.front().at("unit_code"));
  const std::string summary = read_bytes(out / "summary.html");
  EXPECT_EQ(summary.find(kScript), std::string::npos) << "raw markup in summary.html";
  EXPECT_EQ(summary.find("\x1b"), std::string::npos) << "a control character in summary.html";
  if (chromium) {
    const nlohmann::json page = probe_page(*chromium, out / "summary.html", root_);
    expect_nothing_ran(page, "summary.html");
    const std::string text = page.value("text", "");
    std::size_t names_shown = 0;
    for (const auto& [code, name] : name_of_code) names_shown += text.find(shown(name)) != std::string::npos ? 1 : 0;
    EXPECT_GT(names_shown, 0u) << "summary.html shows no unit name literally";
    EXPECT_NE(text.find(shown(region)), std::string::npos) << "summary.html does not show the region literally";
  }

  // ---- dispatch the hostile region: hotspots.kml, hotspots.gpx, hotspots.csv, index.html
  const RunResult dispatched = run_zonewatch({"dispatch", "--store", (root_ / "programme.gpkg").string(), "--region",
                                              region, "--out", (root_ / "packet").string()},
                                             root_);
  ASSERT_EQ(dispatched.exit_code, 0) << dispatched;
  EXPECT_EQ(dispatched.err.find('\x1b'), std::string::npos) << "dispatch logged the region's control characters";
  const CsvTable packet = expect_no_formula(root_ / "packet" / "hotspots.csv");
  ASSERT_GE(packet.rows.size(), 3u) << "three verdicts need three hotspots";
  for (const auto& row : packet.rows) {
    EXPECT_EQ(row.at("unit_name"), "'" + name_of_code.at(row.at("unit_code")));
    EXPECT_EQ(row.at("region"), "'" + region);
  }
  const std::string packet_name = name_of_code.at(packet.rows.front().at("unit_code"));
  const std::string kml = expect_well_formed(root_ / "packet" / "hotspots.kml", "KML");
  EXPECT_NE(kml.find(shown(packet_name)), std::string::npos) << "hotspots.kml does not hold the name literally";
  EXPECT_NE(kml.find(shown(region)), std::string::npos) << "hotspots.kml does not hold the region literally";
  const std::string gpx = expect_well_formed(root_ / "packet" / "hotspots.gpx", "GPX");
  EXPECT_NE(gpx.find(shown(packet_name)), std::string::npos) << "hotspots.gpx does not hold the name literally";

  // The inspector's page: nothing ran, the text shows; three verdicts with hostile notes,
  // approval and inspector are filled and exported (or, without Chromium, written by hand).
  const std::vector<std::string> ids{packet.rows[0].at("hotspot_id"), packet.rows[1].at("hotspot_id"),
                                     packet.rows[2].at("hotspot_id")};
  const fs::path verdicts = root_ / "verdicts.csv";
  if (chromium) {
    const nlohmann::json hostile{{"note", kNote}, {"approval", kApproval}, {"inspector", kInspector}, {"ids", ids}};
    const std::string fill = "  var hostile = " + script_json(hostile) + R"(;
  function card(id) {
    return Array.prototype.filter.call(document.querySelectorAll('article.hotspot'),
                                       function (c) { return c.getAttribute('data-id') === id; })[0];
  }
  function set(id, name, value) {
    var input = card(id).querySelector('[name="' + name + '"]');
    input.value = value;
    input.dispatchEvent(new Event('change'));
  }
  result.found = hostile.ids.filter(function (id) { return !!card(id); }).length;
  document.getElementById('inspector').value = hostile.inspector;
  set(hostile.ids[0], 'verdict', 'legal');
  set(hostile.ids[0], 'verdict_date', '2018-05-20');
  set(hostile.ids[0], 'approval', hostile.approval);
  set(hostile.ids[1], 'verdict', 'false_alarm');
  set(hostile.ids[1], 'verdict_date', '2018-05-20');
  set(hostile.ids[1], 'note', hostile.note);
  set(hostile.ids[2], 'verdict', 'confirmed');
  set(hostile.ids[2], 'verdict_date', '2018-05-21');
  set(hostile.ids[2], 'note', hostile.note);
  document.getElementById('export').click();
  result.status = document.getElementById('export-status').textContent;
  result.csv = document.getElementById('export-csv').value;)";
    const nlohmann::json page = probe_page(*chromium, root_ / "packet" / "index.html", root_, fill);
    expect_nothing_ran(page, "packet index.html");
    const std::string text = page.value("text", "");
    EXPECT_NE(text.find(shown(packet_name)), std::string::npos) << "index.html does not show the name literally";
    EXPECT_NE(text.find(shown(region)), std::string::npos) << "index.html does not show the region literally";
    for (const std::string& id : ids) EXPECT_NE(text.find(id), std::string::npos) << id;
    EXPECT_EQ(page.value("found", 0), 3) << "the cards are found by their (hostile) IDs";
    EXPECT_NE(page.value("status", "").find("3 verdicts exported"), std::string::npos) << page.value("status", "");
    write_bytes(verdicts, page.value("csv", ""));
  } else {
    const auto field = [](const std::string& text) {
      const std::string guard = std::string("=+-@").find(text.front()) != std::string::npos ? "'" : "";
      return "\"" + guard + std::regex_replace(text, std::regex("\""), "\"\"") + "\"";
    };
    write_bytes(verdicts, "hotspot_id,verdict,verdict_date,inspector,note,approval\r\n" + ids[0] +
                              ",legal,2018-05-20," + field(kInspector) + ",," + field(kApproval) + "\r\n" + ids[1] +
                              ",false_alarm,2018-05-20," + field(kInspector) + "," + field(kNote) + ",\r\n" + ids[2] +
                              ",confirmed,2018-05-21," + field(kInspector) + "," + field(kNote) + ",\r\n");
  }
  const CsvTable exported = expect_no_formula(verdicts);
  ASSERT_EQ(exported.rows.size(), 3u) << read_bytes(verdicts);
  EXPECT_EQ(exported.rows[1].at("note"), "'" + kNote) << "the exported note, neutralised";

  // ---- verify: the store holds the text exactly as typed (the apostrophe dropped again)
  const RunResult verified =
      run_zonewatch({"verify", "--store", (root_ / "programme.gpkg").string(), "--results", verdicts.string()}, root_);
  ASSERT_EQ(verified.exit_code, 0) << verified;
  std::map<std::string, std::map<std::string, std::string>> stored;
  for (auto& h : read_layer(root_ / "programme.gpkg", "hotspots")) stored[h.at("hotspot_id")] = h;
  EXPECT_EQ(stored.at(ids[0]).at("status"), "legal");
  EXPECT_EQ(stored.at(ids[0]).at("approval"), kApproval);
  EXPECT_EQ(stored.at(ids[1]).at("verdict_note"), kNote);
  EXPECT_EQ(stored.at(ids[2]).at("inspector"), kInspector);
  EXPECT_EQ(stored.at(ids[2]).at("status"), "rectification_due");

  // ---- dispatch again: the confirmed hotspot's card shows the hostile inspector
  const RunResult again = run_zonewatch({"dispatch", "--store", (root_ / "programme.gpkg").string(), "--region", region,
                                         "--out", (root_ / "packet2").string()},
                                        root_);
  ASSERT_EQ(again.exit_code, 0) << again;
  expect_no_formula(root_ / "packet2" / "hotspots.csv");
  const std::string kml2 = expect_well_formed(root_ / "packet2" / "hotspots.kml", "KML");
  EXPECT_NE(kml2.find(shown(kInspector)), std::string::npos) << "hotspots.kml does not hold the inspector literally";
  expect_well_formed(root_ / "packet2" / "hotspots.gpx", "GPX");
  if (chromium) {
    const nlohmann::json page = probe_page(*chromium, root_ / "packet2" / "index.html", root_);
    expect_nothing_ran(page, "second packet index.html");
    EXPECT_NE(page.value("text", "").find(shown(kInspector)), std::string::npos)
        << "index.html does not show the inspector literally";
  }

  // ---- report: the overdue rectification lists the unit and region, without a control character
  const RunResult report = run_zonewatch({"report", "--store", (root_ / "programme.gpkg").string()}, root_);
  ASSERT_EQ(report.exit_code, 0) << report;
  const auto control = std::find_if(report.out.begin(), report.out.end(), [](char c) {
    return (static_cast<unsigned char>(c) < 0x20 && c != '\n') || c == '\x7f';
  });
  EXPECT_EQ(control, report.out.end()) << "a control character in the report at byte "
                                       << (control - report.out.begin());
  const std::string overdue_name = name_of_code.at(packet.rows[2].at("unit_code"));
  EXPECT_NE(report.out.find(shown(overdue_name)), std::string::npos) << report.out;
  EXPECT_NE(report.out.find(shown(region)), std::string::npos) << report.out;
  const RunResult report_json =
      run_zonewatch({"report", "--store", (root_ / "programme.gpkg").string(), "--json"}, root_);
  ASSERT_EQ(report_json.exit_code, 0) << report_json;
  bool region_row = false;
  const nlohmann::json reported = nlohmann::json::parse(report_json.out);
  for (const auto& row : reported.at("precision")) {
    region_row = region_row || (row.at("dimension") == "region" && row.at("key") == region);
  }
  EXPECT_TRUE(region_row) << "report --json keeps the region exactly: " << report_json.out;
}

TEST_F(UntrustedTextTest, UnitCodesThatCannotBeIdsAreRefusedNamingFileFeatureAndField) {
  const std::vector<std::pair<std::string, std::string>> bad{
      {"ZH50011610001/../../x", "path separator '/'"},
      {"ZH50011610001\x1b[31m", "control character U+001B"},
      {"=ZH50011610001", "starts with '='"},
      {"ZH<50011610001>", "'<'"},
  };
  for (std::size_t b = 0; b < bad.size(); ++b) {
    const auto& [code, reason] = bad[b];
    std::vector<SampleUnit> units;
    for (const SampleUnit& u : units_) {
      units.push_back({u.code, u.name, u.type, u.region, OGRGeometryUniquePtr(u.geometry->clone())});
    }
    units[4].code = code;
    const fs::path gpkg = root_ / ("bad-" + std::to_string(b) + ".gpkg");
    write_units(gpkg, srs_, units);
    const RunResult refused = scan(config(gpkg, "bad"), root_);
    EXPECT_EQ(refused.exit_code, 3) << refused;
    EXPECT_NE(refused.err.find(gpkg.string()), std::string::npos) << refused;
    EXPECT_NE(refused.err.find("feature 5"), std::string::npos) << refused;
    EXPECT_NE(refused.err.find("'unit_code'"), std::string::npos) << refused;
    EXPECT_NE(refused.err.find(reason), std::string::npos) << refused;
    EXPECT_EQ(refused.err.find('\x1b'), std::string::npos) << "the message carries the control character";
    EXPECT_FALSE(fs::exists(root_ / "out-bad" / "hotspots.csv")) << code;
  }
}

}  // namespace
}  // namespace zw::e2e
