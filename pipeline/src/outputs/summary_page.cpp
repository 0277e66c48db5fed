// summary.html (summary_page.hpp): built in the style of the inspector packet's page
// (monitoring/packet_page.cpp): inline CSS, pictures as data: URIs, maps as inline SVG.
#include "zonewatch/pipeline/outputs/summary_page.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "zonewatch/pipeline/config/unit_type.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/gdal/geo_util.hpp"
#include "zonewatch/pipeline/outputs/change_map.hpp"
#include "zonewatch/pipeline/outputs/outputs.hpp"
#include "zonewatch/pipeline/stages/source_tracing.hpp"
#include "zonewatch/pipeline/version.hpp"

namespace zw {

using kernels::ChangeType;

std::vector<const Hotspot*> largest_hotspots(const ScanResults& results) {
  std::vector<const Hotspot*> order;
  for (const Hotspot& h : results.hotspots) order.push_back(&h);
  std::sort(order.begin(), order.end(), [](const Hotspot* a, const Hotspot* b) {
    return a->area_m2 != b->area_m2 ? a->area_m2 > b->area_m2 : a->id < b->id;
  });
  if (order.size() > kSummaryChipCount) order.resize(kSummaryChipCount);
  return order;
}

SummarySide summary_side(const ScanSide& side, const CompositeResult* composite) {
  SummarySide out;
  out.label = side.label;
  out.date = side.date;
  out.skipped = side.skipped;
  if (!side.is_period()) {
    out.sensor = side.scene ? side.scene->options.sensor : "";
    out.sources.push_back(side.scene ? side.scene->options.path : "");
    return out;
  }
  out.period =
      side.period.first + ".." + side.period.last + " " + std::string(kernels::to_string(side.period.composite));
  std::set<std::string> sensors;
  for (const Scene& scene : side.scenes) {
    sensors.insert(scene.options.sensor);
    out.sources.push_back(scene.options.date + "  " + scene.options.path);
  }
  for (const auto& sensor : sensors) out.sensor += (out.sensor.empty() ? "" : ", ") + sensor;
  if (composite != nullptr && !composite->median_date.empty()) out.date += " (median " + composite->median_date + ")";
  return out;
}

std::vector<std::string> summary_warnings(const std::vector<ControlUnit>& units,
                                          const std::vector<const CompositeResult*>& composites) {
  std::vector<std::string> warnings;
  for (const ControlUnit& u : units) {
    if (u.repaired) warnings.push_back("单元几何已修复 unit geometry repaired (MakeValid): " + u.code + " " + u.name);
  }
  for (const CompositeResult* c : composites) {
    if (c == nullptr || c->pixels_without_clear == 0) continue;
    warnings.push_back("合成无晴空观测 composite " + c->scene.label + ": " + std::to_string(c->pixels_without_clear) +
                       " of " + std::to_string(c->pixels) + " pixels without any clear observation (no data)");
  }
  return warnings;
}

namespace {

std::string escape(std::string_view text) { return text::xml_escape(text); }

std::string png_uri(const std::string& png) { return "data:image/png;base64," + text::base64(png); }
std::string jpeg_uri(const std::string& jpeg) { return "data:image/jpeg;base64," + text::base64(jpeg); }

std::string change_colour(ChangeType type) { return change_type_colour(type).hex(); }

constexpr std::array kChangeTypes{ChangeType::vegetation_loss, ChangeType::construction,  ChangeType::dumping,
                                  ChangeType::blue_roof,       ChangeType::mining,        ChangeType::water_loss,
                                  ChangeType::water_gain,      ChangeType::water_quality, ChangeType::other};
constexpr std::array kSeverities{Severity::high, Severity::medium, Severity::low};
constexpr std::array kUnitTypes{UnitType::priority, UnitType::key, UnitType::general};

std::string hectares(double m2) { return text::fixed(m2 / 10000.0, 2); }

/// SVG path data of a polygon (grid CRS WKT) in a frame's pixels; points closer than a
/// tenth of a pixel to the previous one are dropped (a 10980² scene's patches shrink to a
/// few points on an 800 px quick-look).
std::string svg_path(const std::string& wkt, const ImageFrame& frame, const std::string& what) {
  if (wkt.empty()) return "";
  OGRGeometryUniquePtr geometry = geo::as_multipolygon(geo::from_wkt(wkt, what));
  if (!geometry || geometry->IsEmpty()) return "";
  std::string d;
  const auto ring_path = [&](const OGRLinearRing& ring) {
    std::string last;
    // Z closes the ring: its repeated first point is left out.
    const int n = ring.getNumPoints() - (ring.get_IsClosed() ? 1 : 0);
    for (int i = 0; i < n; ++i) {
      std::string point = text::fixed(frame.column(ring.getX(i)), 1) + " " + text::fixed(frame.row(ring.getY(i)), 1);
      if (point == last) continue;
      d += (last.empty() ? "M" : "L") + point + " ";
      last = std::move(point);
    }
    d += "Z ";
  };
  for (const OGRGeometry* part : *geometry->toMultiPolygon()) {
    const OGRPolygon* polygon = part->toPolygon();
    ring_path(*polygon->getExteriorRing());
    for (int i = 0; i < polygon->getNumInteriorRings(); ++i) ring_path(*polygon->getInteriorRing(i));
  }
  return d;
}

std::string svg_map(const SummaryPage& page) {
  const ImageFrame& f = page.images.frame;
  const std::string w = std::to_string(f.width), h = std::to_string(f.height);
  std::string s = "<svg id=\"map-svg\" viewBox=\"0 0 " + w + " " + h +
                  "\" role=\"img\" aria-label=\"units and hotspots over the after quick-look\">";
  if (!page.images.after_jpeg.empty()) {
    s += "<image x=\"0\" y=\"0\" width=\"" + w + "\" height=\"" + h + "\" href=\"" + jpeg_uri(page.images.after_jpeg) +
         "\"/>";
  } else {
    s += "<rect x=\"0\" y=\"0\" width=\"" + w + "\" height=\"" + h + "\" fill=\"#f4f1ea\"/>";
  }
  for (const UnitResult& u : page.results->units) {
    const std::string d = svg_path(u.geometry_wkt, f, "unit " + u.code);
    if (d.empty()) continue;
    s += "<path class=\"unit" + std::string(u.flagged ? " flagged" : "") + "\" d=\"" + d +
         "\" fill=\"none\" fill-rule=\"evenodd\"><title>" + escape(u.code + " " + u.name) + "</title></path>";
  }
  for (const Hotspot& hs : page.results->hotspots) {
    const std::string d = svg_path(hs.geometry_wkt, f, "hotspot " + hs.id);
    if (d.empty()) continue;
    s += "<path class=\"hotspot\" d=\"" + d + "\" fill=\"" + change_colour(hs.change_type) + "\" stroke=\"" +
         change_colour(hs.change_type) + "\" fill-rule=\"evenodd\"><title>" +
         escape(hs.id + " " + std::string(chinese_name(hs.change_type))) + "</title></path>";
  }
  return s + "</svg>";
}

/// One counts table: a row per key with the number of hotspots and their area.
struct CountRow {
  std::string key, label;
  int count = 0;
  double area_m2 = 0.0;
};

std::string counts_table(const std::string& group, const std::string& caption, const std::vector<CountRow>& rows) {
  std::string s = "<table class=\"counts\" data-group=\"" + group + "\"><caption>" + caption +
                  "</caption><tr><th>类别 Class</th><th>图斑 Hotspots</th><th>面积 Area (ha)</th></tr>";
  for (const CountRow& r : rows) {
    s += "<tr data-key=\"" + escape(r.key) + "\" data-count=\"" + std::to_string(r.count) + "\"><td>" +
         escape(r.label) + "</td><td class=\"n\">" + std::to_string(r.count) + "</td><td class=\"n\">" +
         hectares(r.area_m2) + "</td></tr>";
  }
  return s + "</table>";
}

std::string counts_section(const ScanResults& results) {
  std::vector<CountRow> by_change, by_severity, by_unit_type;
  for (ChangeType t : kChangeTypes) {
    by_change.push_back(
        {std::string(kernels::to_string(t)), std::string(chinese_name(t)) + " " + std::string(kernels::to_string(t))});
  }
  for (Severity v : kSeverities) {
    by_severity.push_back({std::string(to_string(v)), std::string(chinese_name(v)) + " " + std::string(to_string(v))});
  }
  for (UnitType t : kUnitTypes) {
    by_unit_type.push_back({std::string(to_string(t)), std::string(chinese_name(t)) + " " + std::string(to_string(t))});
  }
  std::map<std::string, CountRow> by_region;
  const auto add = [](CountRow& row, const Hotspot& h) {
    ++row.count;
    row.area_m2 += h.area_m2;
  };
  for (const Hotspot& h : results.hotspots) {
    for (CountRow& row : by_change) {
      if (row.key == kernels::to_string(h.change_type)) add(row, h);
    }
    for (CountRow& row : by_severity) {
      if (row.key == to_string(h.severity)) add(row, h);
    }
    for (CountRow& row : by_unit_type) {
      if (row.key == to_string(h.unit_type)) add(row, h);
    }
    CountRow& region = by_region[h.unit_region];
    region.key = h.unit_region;
    region.label = h.unit_region.empty() ? "（未填 none）" : h.unit_region;
    add(region, h);
  }
  std::vector<CountRow> regions;
  for (auto& [key, row] : by_region) regions.push_back(row);
  return "<section id=\"counts\"><h2>图斑统计 Hotspot counts</h2><div class=\"tables\">" +
         counts_table("change_type", "变化类型 Change type", by_change) +
         counts_table("severity", "严重程度 Severity", by_severity) +
         counts_table("unit_type", "单元类型 Unit type", by_unit_type) +
         counts_table("region", "区域 Region", regions) + "</div></section>";
}

std::string scenes_section(const SummaryPage& page) {
  std::string s = "<section id=\"scenes\"><h2>影像 Scenes</h2><div class=\"sides\">";
  for (std::size_t i = 0; i < 2; ++i) {
    const SummarySide& side = page.sides[i];
    const std::string& jpeg = i == 0 ? page.images.before_jpeg : page.images.after_jpeg;
    s += "<figure class=\"side\" data-side=\"" + escape(side.label) + "\">";
    if (!jpeg.empty()) {
      s += "<img class=\"quicklook\" alt=\"" + escape(side.label) + " quick-look\" src=\"" + jpeg_uri(jpeg) + "\">";
    } else {
      s += "<div class=\"missing\">无快视图 no quick-look</div>";
    }
    s += "<figcaption><table class=\"attrs\"><tr><th>时相 Side</th><td>" +
         std::string(i == 0 ? "前时相 before" : "后时相 after") + "</td></tr><tr><th>日期 Date</th><td>" +
         escape(side.date) + "</td></tr><tr><th>传感器 Sensor</th><td>" + escape(side.sensor) + "</td></tr>";
    if (!side.period.empty()) s += "<tr><th>合成期 Period</th><td>" + escape(side.period) + "</td></tr>";
    s += "<tr><th>来源 Sources</th><td><ul class=\"sources\">";
    for (const auto& source : side.sources) s += "<li>" + escape(source) + "</li>";
    s += "</ul></td></tr></table></figcaption></figure>";
  }
  return s + "</div></section>";
}

std::string flagged_section(const ScanResults& results) {
  std::string rows;
  int flagged = 0;
  for (const UnitResult& u : results.units) {
    if (!u.flagged) continue;
    ++flagged;
    rows += "<tr class=\"flagged-unit\"><td>" + escape(u.code) + "</td><td>" + escape(u.name) + "</td><td>" +
            std::string(chinese_name(u.type)) + " " + std::string(to_string(u.type)) + "</td><td>" + escape(u.region) +
            "</td><td class=\"n\">" + std::to_string(u.hotspot_count) + "</td><td class=\"n\">" +
            text::fixed(100.0 * u.stats.changed_share, 2) + "</td><td>" + escape(u.flag_reasons) + "</td></tr>";
  }
  std::string s = "<section id=\"flagged\"><h2>预警单元 Flagged units (" + std::to_string(flagged) + " / " +
                  std::to_string(results.units.size()) + ")</h2>";
  if (flagged == 0) return s + "<p>无 None.</p></section>";
  return s +
         "<table class=\"list\"><tr><th>编码 Code</th><th>名称 Name</th><th>类型 Type</th><th>区域 "
         "Region</th><th>图斑 Hotspots</th><th>变化占比 Changed %</th><th>原因 Why</th></tr>" +
         rows + "</table></section>";
}

std::string largest_section(const SummaryPage& page) {
  const std::vector<const Hotspot*> largest = largest_hotspots(*page.results);
  std::string s =
      "<section id=\"largest\"><h2>最大图斑 The " + std::to_string(largest.size()) + " largest hotspots</h2>";
  for (const Hotspot* h : largest) {
    s += "<article class=\"hotspot severity-" + std::string(to_string(h->severity)) + "\" data-id=\"" + escape(h->id) +
         "\"><h3>" + escape(h->id) + " <span class=\"badge\">" + std::string(chinese_name(h->change_type)) + " " +
         std::string(kernels::to_string(h->change_type)) + "</span><span class=\"badge\">" +
         std::string(chinese_name(h->severity)) + " " + std::string(to_string(h->severity)) +
         "</span></h3><table class=\"attrs\"><tr><th>面积 Area</th><td>" + text::fixed(h->area_m2, 0) +
         " m² = " + text::fixed(h->area_m2 / kSquareMetresPerMu, 1) + " 亩</td></tr><tr><th>单元 Unit</th><td>" +
         escape(h->unit_code + " " + h->unit_name) + " (" + std::string(chinese_name(h->unit_type)) +
         ")</td></tr><tr><th>位置 Location</th><td>" +
         escape(text::dms(h->centroid_lat_wgs84, true) + " " + text::dms(h->centroid_lon_wgs84, false)) +
         " WGS84</td></tr><tr><th>规则 Rule</th><td>" + escape(h->rule) + "</td></tr>" +
         (h->sources.empty() ? std::string()
                             : "<tr><th>溯源 Sources</th><td>" + escape(sources_text_zh(h->sources)) + "</td></tr>") +
         "</table>";
    const auto chips = page.images.chips.find(h->id);
    if (chips != page.images.chips.end()) {
      const ImageFrame& f = chips->second.frame;
      const std::string box = "0 0 " + std::to_string(f.width) + " " + std::to_string(f.height);
      const std::string outline = "<svg class=\"outline\" viewBox=\"" + box + "\"><path d=\"" +
                                  svg_path(h->geometry_wkt, f, "hotspot " + h->id) + "\"/></svg>";
      s += "<div class=\"chips\">";
      for (const auto& [label, png] :
           {std::pair{"前 before", &chips->second.before_png}, std::pair{"后 after", &chips->second.after_png}}) {
        s += "<figure><div class=\"chip\"><img class=\"chip\" alt=\"" + std::string(label) + "\" src=\"" +
             png_uri(*png) + "\">" + outline + "</div><figcaption>" + label + "</figcaption></figure>";
      }
      s += "</div>";
    }
    s += "</article>";
  }
  return s + "</section>";
}

std::string skipped_section(const SummaryPage& page) {
  std::string items;
  for (const UnitResult& u : page.results->units) {
    if (u.assessable) continue;
    items += "<li class=\"not-assessable\">不可评估单元 unit not assessable: " + escape(u.code + " " + u.name) +
             " (有效数据 valid " + text::fixed(100.0 * u.stats.valid_share, 1) + " %)</li>";
  }
  for (const SummarySide& side : page.sides) {
    for (const auto& [path, reason] : side.skipped) {
      items += "<li class=\"skipped-scene\">跳过影像 scene skipped (" + escape(side.label) + "): " + escape(path) +
               ": " + escape(reason) + "</li>";
    }
  }
  for (const auto& warning : page.warnings) items += "<li class=\"warning\">" + escape(warning) + "</li>";
  for (const auto& problem : page.images.problems) items += "<li class=\"problem\">" + escape(problem) + "</li>";
  return "<section id=\"skipped\"><h2>跳过与不可评估 Skipped and not assessable</h2>" +
         (items.empty() ? std::string("<p>无 None.</p>") : "<ul>" + items + "</ul>") + "</section>";
}

constexpr const char* kPageStyle = R"CSS(
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;background:#fafafa;color:#222}
header,main,footer{max-width:1100px;margin:0 auto;padding:12px}
h1{font-size:1.3em;margin:.2em 0}h2{font-size:1.1em;margin:1em 0 .3em;border-bottom:1px solid #ddd}h3{font-size:1em;margin:.2em 0}
.totals span{display:inline-block;margin-right:1.2em}
.sides{display:flex;flex-wrap:wrap;gap:12px}.side{margin:0;flex:1 1 400px}.quicklook{width:100%;height:auto;border:1px solid #999}
.missing{padding:40px;background:#eee;color:#b00;text-align:center}
#map svg{width:100%;height:auto;border:1px solid #999;background:#f4f1ea}
path.unit{stroke:#fff;stroke-width:1.2;stroke-opacity:.9}path.unit.flagged{stroke:#ff2020;stroke-width:2}
path.hotspot{fill-opacity:.55;stroke-width:1}
.legend span{display:inline-block;margin-right:1em}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
.tables{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
table{border-collapse:collapse;font-size:.9em}caption{text-align:left;font-weight:bold;padding:2px 0}
table.counts td,table.counts th,table.list td,table.list th{border:1px solid #ccc;padding:2px 6px}td.n{text-align:right}
table.attrs th{text-align:left;padding:2px 8px 2px 0;color:#555;font-weight:normal;white-space:nowrap}
ul.sources{margin:0;padding-left:1.2em;max-height:8em;overflow:auto;word-break:break-all}
article.hotspot{background:#fff;border:1px solid #ddd;border-left:6px solid #999;margin:12px 0;padding:10px;border-radius:4px}
article.severity-high{border-left-color:#d7191c}article.severity-medium{border-left-color:#fd8d3c}article.severity-low{border-left-color:#e6c700}
.badge{font-size:.8em;padding:1px 6px;border-radius:8px;background:#eee;margin-left:.4em;font-weight:normal}
.chips{display:flex;flex-wrap:wrap;gap:8px}.chips figure{margin:0}
div.chip{position:relative;width:200px;height:200px}div.chip img{width:200px;height:200px;image-rendering:pixelated;border:1px solid #999}
svg.outline{position:absolute;left:1px;top:1px;width:200px;height:200px}svg.outline path{fill:none;stroke:#ff0;stroke-width:1;vector-effect:non-scaling-stroke}
.problem{color:#b00}
)CSS";

}  // namespace

std::string render_summary_page(const SummaryPage& page) {
  if (page.results == nullptr) throw Error("summary.html: no scan results to summarise");
  const ScanResults& r = *page.results;
  int high = 0, flagged = 0;
  double area = 0.0;
  for (const Hotspot& h : r.hotspots) {
    high += h.severity == Severity::high ? 1 : 0;
    area += h.area_m2;
  }
  for (const UnitResult& u : r.units) flagged += u.flagged ? 1 : 0;
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
      "content=\"width=device-width, initial-scale=1\"><title>扫描摘要 Scan summary " +
      escape(page.name) + "</title><style>" + kPageStyle + "</style></head><body>";
  html += "<header><h1>扫描摘要 Scan summary: " + escape(page.name) + "</h1><p>" + escape(page.sides[0].date) + " → " +
          escape(page.sides[1].date) + "</p><p class=\"totals\"><span>图斑 hotspots: <b id=\"hotspot-total\">" +
          std::to_string(r.hotspots.size()) + "</b></span><span>高 high: <b>" + std::to_string(high) +
          "</b></span><span>面积 area: <b>" + hectares(area) + " ha</b> (" + text::fixed(area / kSquareMetresPerMu, 1) +
          " 亩)</span><span>预警单元 flagged units: <b>" + std::to_string(flagged) + " / " +
          std::to_string(r.units.size()) + "</b></span></p></header><main>";
  html += scenes_section(page);
  html += "<section id=\"map\"><h2>地图 Map: units and hotspots over the after quick-look</h2>" + svg_map(page) +
          "<p class=\"legend\"><span><i style=\"border:2px solid #ff2020\"></i>预警单元 flagged unit</span>"
          "<span><i style=\"border:1px solid #fff;background:#777\"></i>单元 unit</span>";
  for (ChangeType t : kChangeTypes) {
    html += "<span><i style=\"background:" + change_colour(t) + "\"></i>" + std::string(chinese_name(t)) + " " +
            std::string(kernels::to_string(t)) + "</span>";
  }
  html += "</p></section>";
  html += counts_section(r) + flagged_section(r) + largest_section(page) + skipped_section(page);
  html += "</main><footer>zonewatch " + std::string(kVersion) +
          " · summary.html: alerts.gpkg, hotspots.csv and run.json hold the full results.</footer></body></html>\n";
  return html;
}

void write_summary_page(const SummaryPage& page, const std::filesystem::path& path, const std::string& shown_as) {
  const std::string html = render_summary_page(page);
  std::ofstream out(path, std::ios::binary);
  out << html;
  out.flush();
  if (!out) throw OutputError(shown_as + ": write failed");
}

}  // namespace zw
