// index.html of an inspector packet: one self-contained offline page (no network at all:
// images are data: URIs, the map inline SVG) with the verdict fields that export a CSV for
// `zonewatch verify`.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "packet.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/version.hpp"

namespace zw::monitoring_detail {
namespace {

struct MapFrame {
  double lon0 = 0, lat0 = 0, kx = 1, scale = 1, width = 800, height = 560, margin = 30;
  double min_x = 0, max_y = 0;
  [[nodiscard]] double x(double lon) const { return margin + ((lon - lon0) * kx - min_x) * scale; }
  [[nodiscard]] double y(double lat) const { return margin + (max_y - (lat - lat0)) * scale; }
};

MapFrame map_frame(const std::vector<PacketHotspot>& packet) {
  MapFrame f;
  double min_lon = 1e9, max_lon = -1e9, min_lat = 1e9, max_lat = -1e9;
  const auto extend = [&](double lon, double lat) {
    min_lon = std::min(min_lon, lon), max_lon = std::max(max_lon, lon);
    min_lat = std::min(min_lat, lat), max_lat = std::max(max_lat, lat);
  };
  for (const PacketHotspot& p : packet) {
    extend(p.h.lon_wgs84, p.h.lat_wgs84);
    if (p.wgs84) {
      OGREnvelope e;
      p.wgs84->getEnvelope(&e);
      extend(e.MinX, e.MinY);
      extend(e.MaxX, e.MaxY);
    }
  }
  if (packet.empty()) min_lon = max_lon = min_lat = max_lat = 0.0;
  f.lon0 = min_lon;
  f.lat0 = min_lat;
  f.kx = std::cos((min_lat + max_lat) / 2.0 * 3.14159265358979323846 / 180.0);
  f.min_x = 0.0;
  f.max_y = max_lat - min_lat;
  const double span_x = std::max((max_lon - min_lon) * f.kx, 1e-4);
  const double span_y = std::max(max_lat - min_lat, 1e-4);
  f.scale = std::min((f.width - 2 * f.margin) / span_x, (f.height - 2 * f.margin) / span_y);
  return f;
}

std::string svg_map(const std::vector<PacketHotspot>& packet) {
  const MapFrame f = map_frame(packet);
  const auto colour = [](const StoredHotspot& h) {
    const Severity severity = h.severity;
    return severity == Severity::high ? "#d7191c" : severity == Severity::medium ? "#fd8d3c" : "#e6c700";
  };
  std::string s = "<svg id=\"map-svg\" viewBox=\"0 0 800 560\" role=\"img\" aria-label=\"map of the hotspots\">";
  s += "<rect x=\"0\" y=\"0\" width=\"800\" height=\"560\" fill=\"#f4f1ea\"/>";
  for (const PacketHotspot& p : packet) {
    if (!p.wgs84) continue;
    std::string d;
    for (const OGRGeometry* part : *p.wgs84->toMultiPolygon()) {
      const OGRPolygon* polygon = part->toPolygon();
      const auto ring_path = [&](const OGRLinearRing& ring) {
        for (int i = 0; i < ring.getNumPoints(); ++i) {
          d += (i == 0 ? "M" : "L") + text::fixed(f.x(ring.getX(i)), 1) + " " + text::fixed(f.y(ring.getY(i)), 1) + " ";
        }
        d += "Z ";
      };
      ring_path(*polygon->getExteriorRing());
      for (int i = 0; i < polygon->getNumInteriorRings(); ++i) ring_path(*polygon->getInteriorRing(i));
    }
    s += "<path class=\"patch\" d=\"" + d + "\" fill=\"" + colour(p.h) + "\" fill-opacity=\"0.45\" stroke=\"" +
         colour(p.h) + "\" stroke-width=\"1.5\" fill-rule=\"evenodd\"/>";
  }
  if (packet.size() > 1) {
    std::string points;
    for (const PacketHotspot& p : packet) {
      points += text::fixed(f.x(p.h.lon_wgs84), 1) + "," + text::fixed(f.y(p.h.lat_wgs84), 1) + " ";
    }
    s += "<polyline class=\"route\" points=\"" + points +
         "\" fill=\"none\" stroke=\"#2b5797\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>";
  }
  for (const PacketHotspot& p : packet) {
    const std::string cx = text::fixed(f.x(p.h.lon_wgs84), 1), cy = text::fixed(f.y(p.h.lat_wgs84), 1);
    s += "<a href=\"#h-" + text::xml_escape(p.h.id) + "\"><circle class=\"marker\" cx=\"" + cx + "\" cy=\"" + cy +
         "\" r=\"9\" fill=\"" + colour(p.h) + "\" stroke=\"#fff\" stroke-width=\"1.5\"><title>" +
         text::xml_escape(std::to_string(p.order) + " " + p.h.id) + "</title></circle><text x=\"" + cx + "\" y=\"" +
         text::fixed(f.y(p.h.lat_wgs84) + 4, 1) + "\" text-anchor=\"middle\" font-size=\"10\" fill=\"#fff\">" +
         std::to_string(p.order) + "</text></a>";
  }
  // Scale bar.
  const double km_per_px = 1.0 / f.scale * 111.32;  // a degree of latitude ~ 111.32 km
  const double bar_km = scale_bar_metres(200.0 * km_per_px * 1000.0) / 1000.0;
  const double bar_px = bar_km / km_per_px;
  s += "<g class=\"scale\"><rect x=\"20\" y=\"535\" width=\"" + text::fixed(bar_px, 1) +
       "\" height=\"5\" fill=\"#333\"/><text x=\"20\" y=\"530\" font-size=\"11\" fill=\"#333\">" +
       (bar_km >= 1.0 ? text::fixed(bar_km, 0) + " km" : text::fixed(bar_km * 1000.0, 0) + " m") + "</text></g>";
  s += "<text x=\"780\" y=\"24\" text-anchor=\"end\" font-size=\"13\" fill=\"#333\">N ↑</text>";
  s += "</svg>";
  return s;
}

constexpr const char* kPageStyle = R"CSS(
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#fafafa;color:#222}
header,main,footer{max-width:980px;margin:0 auto;padding:12px}
h1{font-size:1.3em;margin:.2em 0}h2{font-size:1.05em;margin:.2em 0}
#map svg{width:100%;height:auto;border:1px solid #ccc;background:#f4f1ea}
article.hotspot{background:#fff;border:1px solid #ddd;border-left:6px solid #999;margin:12px 0;padding:10px;border-radius:4px}
article.severity-high{border-left-color:#d7191c}article.severity-medium{border-left-color:#fd8d3c}article.severity-low{border-left-color:#e6c700}
.order{display:inline-block;min-width:1.6em;text-align:center;background:#2b5797;color:#fff;border-radius:1em;margin-right:.4em}
.badge{font-size:.8em;padding:1px 6px;border-radius:8px;background:#eee;margin-left:.4em}
.chips{display:flex;flex-wrap:wrap;gap:8px}.chips figure{margin:0}.chips img{width:240px;max-width:45vw;image-rendering:pixelated;border:1px solid #999}
table.attrs{border-collapse:collapse;font-size:.9em;margin:6px 0}table.attrs th{text-align:left;padding:2px 8px 2px 0;color:#555;font-weight:normal;white-space:nowrap}table.attrs td{padding:2px 0}
a.nav{display:inline-block;padding:6px 12px;background:#2b5797;color:#fff;border-radius:4px;text-decoration:none}
fieldset.verdict{border:1px solid #bbb;margin-top:8px}fieldset.verdict label{display:inline-block;margin:4px 12px 4px 0}
textarea{width:100%;box-sizing:border-box}.problem{color:#b00}#export-status{font-weight:bold}
)CSS";

constexpr const char* kPageScript = R"JS(
(function () {
  'use strict';
  var root = document.getElementById('packet');
  var key = 'zonewatch-verdicts:' + root.getAttribute('data-dispatch');
  var state = {};
  try { state = JSON.parse(window.localStorage.getItem(key) || '{}') || {}; } catch (e) { state = {}; }
  function save() { try { window.localStorage.setItem(key, JSON.stringify(state)); } catch (e) {} }
  var inspector = document.getElementById('inspector');
  if (state['@inspector']) inspector.value = state['@inspector'];
  inspector.addEventListener('input', function () { state['@inspector'] = inspector.value; save(); });
  var cards = Array.prototype.slice.call(document.querySelectorAll('article.hotspot'));
  var fields = ['verdict', 'verdict_date', 'approval', 'note'];
  cards.forEach(function (card) {
    var id = card.getAttribute('data-id');
    var saved = state[id] || {};
    fields.forEach(function (name) {
      var input = card.querySelector('[name="' + name + '"]');
      if (saved[name]) input.value = saved[name];
      var remember = function () {
        state[id] = state[id] || {};
        state[id][name] = input.value;
        save();
      };
      input.addEventListener('change', remember);
      input.addEventListener('input', remember);
    });
  });
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function today() { var d = new Date(); return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()); }
  // A cell starting with = + - @, a tab or a carriage return is a formula to a spreadsheet: it
  // gets a leading apostrophe (text::neutralise_formula; zonewatch verify drops it again).
  function cell(value) {
    var v = String(value == null ? '' : value);
    if (/^[=+\-@\t\r]/.test(v) && !/^-\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v)) v = "'" + v;
    return /[",\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  }
  function collect() {
    var rows = [['hotspot_id', 'verdict', 'verdict_date', 'inspector', 'note', 'approval']];
    var problems = [];
    cards.forEach(function (card) {
      var id = card.getAttribute('data-id');
      var get = function (name) { return card.querySelector('[name="' + name + '"]').value.trim(); };
      var verdict = get('verdict');
      if (!verdict) return;
      if (verdict === 'legal' && !get('approval')) problems.push(id + ': 合法 legal needs the approval number 审批文号');
      rows.push([id, verdict, get('verdict_date') || today(), inspector.value.trim(), get('note'), get('approval')]);
    });
    return { rows: rows, problems: problems };
  }
  document.getElementById('export').addEventListener('click', function () {
    var status = document.getElementById('export-status');
    var result = collect();
    if (result.problems.length) { status.textContent = result.problems.join('; '); return; }
    var csv = '\ufeff' + result.rows.map(function (r) { return r.map(cell).join(','); }).join('\r\n') + '\r\n';
    document.getElementById('export-csv').value = csv;
    status.textContent = (result.rows.length - 1) + ' verdicts exported 条核查结论已导出';
    try {
      var blob = new Blob([csv], { type: 'text/csv;charset=utf-8' });
      var link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = 'verdicts-' + root.getAttribute('data-dispatch') + '.csv';
      document.body.appendChild(link);
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    } catch (e) { /* the CSV stays in the text box to copy */ }
  });
})();
)JS";

}  // namespace

std::string write_html(const std::vector<PacketHotspot>& packet, const std::string& dispatch_id,
                       const std::string& region, const std::string& now, double route_km) {
  using text::xml_escape;
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data: blob:; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n";
  h += "<title>" + xml_escape("疑似问题图斑核查 " + region + " " + dispatch_id) + "</title>\n<style>" + kPageStyle +
       "</style>\n</head>\n<body>\n";
  h += "<div id=\"packet\" data-dispatch=\"" + xml_escape(dispatch_id) + "\" data-count=\"" +
       std::to_string(packet.size()) + "\">\n<header>\n<h1>疑似问题图斑现场核查 Field inspection packet</h1>\n";
  h += "<p>" + xml_escape(region) + " · 派发编号 dispatch " + xml_escape(dispatch_id) + " · " +
       std::to_string(packet.size()) + " 个图斑 hotspots · 路线约 route ≈ " + text::fixed(route_km, 1) +
       " km (直线 straight-line) · " + xml_escape(now) + " · zonewatch " + kVersion + "</p>\n";
  h += "<p><label>核查人 Inspector <input id=\"inspector\" autocomplete=\"name\"></label></p>\n</header>\n<main>\n";
  if (packet.empty()) {
    h += "<p id=\"empty\">该区域没有待核查图斑。No open hotspots in this region.</p>\n";
  } else {
    h += "<section id=\"map\"><h2>图斑分布与行车顺序 Map and driving order</h2>" + svg_map(packet) +
         "<p class=\"note\">无底图（离线） No basemap: the page works offline.</p></section>\n";
  }
  h += "<section id=\"list\">\n";
  for (const PacketHotspot& p : packet) {
    const StoredHotspot& s = p.h;
    h += "<article class=\"hotspot severity-" + xml_escape(name_of(s.severity)) + "\" id=\"h-" + xml_escape(s.id) +
         "\" data-id=\"" + xml_escape(s.id) + "\" data-lat=\"" + text::fixed(s.lat_wgs84, 6) + "\" data-lon=\"" +
         text::fixed(s.lon_wgs84, 6) + "\">\n";
    h += "<h2><span class=\"order\">" + std::to_string(p.order) + "</span><span class=\"hotspot-id\">" +
         xml_escape(s.id) + "</span><span class=\"badge severity\">" + xml_escape(bilingual(s.severity)) +
         "</span><span class=\"badge status\">" + xml_escape(bilingual(p.status)) + "</span></h2>\n";
    if (p.chips.problem.empty()) {
      h += "<div class=\"chips\"><figure><img class=\"chip before\" alt=\"before " + xml_escape(p.chips.before_date) +
           "\" src=\"data:image/png;base64," + text::base64(p.chips.before_png) + "\"><figcaption>前 before " +
           xml_escape(p.chips.before_date) + "</figcaption></figure><figure><img class=\"chip after\" alt=\"after " +
           xml_escape(p.chips.after_date) + "\" src=\"data:image/png;base64," + text::base64(p.chips.after_png) +
           "\"><figcaption>后 after " + xml_escape(p.chips.after_date) + "</figcaption></figure></div>\n";
    } else {
      h += "<p class=\"problem\">影像不可用 Images not available: " + xml_escape(p.chips.problem) + "</p>\n";
    }
    h += "<table class=\"attrs\">";
    for (const auto& [label, value] : attributes(p)) {
      h += "<tr><th>" + xml_escape(label) + "</th><td>" + xml_escape(value) + "</td></tr>";
    }
    h += "</table>\n<p><a class=\"nav\" href=\"" + xml_escape(geo_uri(s)) + "\">导航 Navigate (geo:)</a></p>\n";
    h += "<fieldset class=\"verdict\"><legend>核查结论 Verdict</legend>"
         "<label>结论 <select name=\"verdict\"><option value=\"\">— 未核查 not yet</option>"
         "<option value=\"confirmed\">属实 confirmed violation</option>"
         "<option value=\"false_alarm\">误报 false alarm</option>"
         "<option value=\"legal\">合法合规 legal (approved / permitted)</option>"
         "<option value=\"rectified\">已整改 rectified</option>"
         "<option value=\"closed\">销号 closed</option></select></label>"
         "<label>日期 Date <input type=\"date\" name=\"verdict_date\"></label>"
         "<label>审批文号 Approval <input name=\"approval\" placeholder=\"legal: 文号\"></label>"
         "<label>备注 Note <textarea name=\"note\" rows=\"2\"></textarea></label></fieldset>\n</article>\n";
  }
  h += "</section>\n</main>\n<footer>\n<p><button id=\"export\" type=\"button\">导出核查结果 CSV · Export "
       "verdicts</button> "
       "<span id=\"export-status\"></span></p>\n"
       "<p>导入 Import: <code>zonewatch verify --store STORE --results verdicts-" +
       xml_escape(dispatch_id) +
       ".csv</code></p>\n<textarea id=\"export-csv\" rows=\"6\" readonly></textarea>\n</footer>\n</div>\n";
  h += std::string("<script>") + kPageScript + "</script>\n</body>\n</html>\n";
  return h;
}

}  // namespace zw::monitoring_detail
