#pragma once
// The monitoring store's rows <-> GeoPackage features, shared by the store's sources
// (store.cpp, store_schema.cpp, store_queries.cpp, store_writes.cpp): one visit() per record
// type, so the schema, the writer and the reader cannot drift apart. Typed columns are text
// in the file (monitoring/stored_names.hpp); not a public header.
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <ogrsf_frmts.h>

#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/monitoring/store.hpp"
#include "zonewatch/pipeline/monitoring/stored_names.hpp"

namespace zw::monitoring_detail {

enum class Kind { text, real, integer, boolean, date };

struct FieldSpec {
  std::string name;
  Kind kind;
};

/// The fields a row type has, in column order.
struct SchemaVisitor {
  std::vector<FieldSpec> fields;
  void text(const std::string& n, std::string&) { fields.push_back({n, Kind::text}); }
  void real(const std::string& n, double&) { fields.push_back({n, Kind::real}); }
  template <class Int>
  void integer(const std::string& n, Int&) {
    fields.push_back({n, Kind::integer});
  }
  void boolean(const std::string& n, bool&) { fields.push_back({n, Kind::boolean}); }
  void date(const std::string& n, std::string&) { fields.push_back({n, Kind::date}); }
  /// A typed column: its enum's name as text.
  template <class Enum>
  void named(const std::string& n, Enum&) {
    fields.push_back({n, Kind::text});
  }
};

inline int field_index(OGRFeature& feature, const std::string& name) {
  const int index = feature.GetFieldIndex(name.c_str());
  if (index < 0) throw InternalError("monitoring store: field " + name + " missing");
  return index;
}

struct WriteVisitor {
  OGRFeature& f;
  void text(const std::string& n, std::string& v) { f.SetField(field_index(f, n), v.c_str()); }
  void real(const std::string& n, double& v) {
    if (std::isfinite(v)) {
      f.SetField(field_index(f, n), v);
    } else {
      f.SetFieldNull(field_index(f, n));
    }
  }
  template <class Int>
  void integer(const std::string& n, Int& v) {
    f.SetField(field_index(f, n), static_cast<GIntBig>(v));
  }
  void boolean(const std::string& n, bool& v) { f.SetField(field_index(f, n), v ? 1 : 0); }
  void date(const std::string& n, std::string& v) {
    const int index = field_index(f, n);
    if (const auto date = iso_date_fields(v)) {
      f.SetField(index, date->year, static_cast<int>(date->month), static_cast<int>(date->day));
    } else {
      f.SetFieldNull(index);
    }
  }
  template <class Enum>
  void named(const std::string& n, Enum& v) {
    f.SetField(field_index(f, n), std::string(to_string(v)).c_str());
  }
  /// None is the empty text.
  template <class Enum>
  void named(const std::string& n, std::optional<Enum>& v) {
    f.SetField(field_index(f, n), v ? std::string(to_string(*v)).c_str() : "");
  }
};

struct ReadVisitor {
  OGRFeature& f;
  const std::string& store;  // path, for errors
  const char* table;
  [[nodiscard]] bool present(int index) const { return f.IsFieldSetAndNotNull(index); }
  void text(const std::string& n, std::string& v) {
    const int i = field_index(f, n);
    v = present(i) ? f.GetFieldAsString(i) : "";
  }
  void real(const std::string& n, double& v) {
    const int i = field_index(f, n);
    v = present(i) ? f.GetFieldAsDouble(i) : std::numeric_limits<double>::quiet_NaN();
  }
  template <class Int>
  void integer(const std::string& n, Int& v) {
    const int i = field_index(f, n);
    v = present(i) ? static_cast<Int>(f.GetFieldAsInteger64(i)) : Int{};
  }
  void boolean(const std::string& n, bool& v) {
    const int i = field_index(f, n);
    v = present(i) && f.GetFieldAsInteger(i) != 0;
  }
  void date(const std::string& n, std::string& v) {
    const int i = field_index(f, n);
    v.clear();
    int y = 0, m = 0, d = 0, hh = 0, mm = 0, tz = 0;
    float ss = 0;
    if (present(i) && f.GetFieldAsDateTime(i, &y, &m, &d, &hh, &mm, &ss, &tz)) {
      char buffer[16];
      std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", y, m, d);
      v = buffer;
    }
  }
  template <class Enum>
  void named(const std::string& n, Enum& v) {
    std::string stored;
    text(n, stored);
    v = parse_stored<Enum>(stored, {store, table, n});
  }
  template <class Enum>
  void named(const std::string& n, std::optional<Enum>& v) {
    std::string stored;
    text(n, stored);
    v.reset();
    if (!stored.empty()) v = parse_stored<Enum>(stored, {store, table, n});
  }
};

template <class V>
void visit(V& v, StoredScan& s) {
  v.text("scan_id", s.scan_id);
  v.integer("seq", s.seq);
  v.text("name", s.name);
  v.text("ingested_utc", s.ingested_utc);
  v.text("program_version", s.program_version);
  v.text("before_path", s.before.path);
  v.date("before_date", s.before.date);
  v.text("before_sensor", s.before.sensor);
  v.text("after_path", s.after.path);
  v.date("after_date", s.after.date);
  v.text("after_sensor", s.after.sensor);
  v.text("config_dir", s.config_dir);
  v.text("units_path", s.units_path);
  v.text("grid_crs_wkt", s.grid_crs_wkt);
  v.real("grid_resolution", s.grid_resolution);
  v.text("output_dir", s.output_dir);
  v.boolean("outputs_written", s.outputs_written);
  v.integer("patches", s.patches);
  v.integer("new_hotspots", s.new_hotspots);
  v.integer("persisting", s.persisting);
  v.integer("expanded", s.expanded);
  v.integer("suppressed", s.suppressed);
  v.integer("reported", s.reported);
  v.integer("close_proposals", s.close_proposals);
  v.text("inputs_json", s.inputs_json);
  v.text("config_json", s.config_json);
}

template <class V>
void visit(V& v, StoredHotspot& h) {
  v.text("hotspot_id", h.id);
  v.named("status", h.status);
  v.text("status_since", h.status_since);
  v.text("unit_code", h.unit_code);
  v.text("unit_name", h.unit_name);
  v.named("unit_type", h.unit_type);
  v.text("region", h.region);
  v.named("change_type", h.change_type);
  v.named("last_change_type", h.last_change_type);
  v.named("severity", h.severity);
  v.text("rule", h.rule);
  v.real("area_m2", h.area_m2);
  v.real("first_area_m2", h.first_area_m2);
  v.real("last_area_m2", h.last_area_m2);
  v.text("first_scan", h.first_scan);
  v.text("last_scan", h.last_scan);
  v.date("first_seen", h.first_seen);
  v.date("last_seen", h.last_seen);
  v.integer("times_seen", h.times_seen);
  v.real("lon_wgs84", h.lon_wgs84);
  v.real("lat_wgs84", h.lat_wgs84);
  v.real("lon_cgcs2000", h.lon_cgcs2000);
  v.real("lat_cgcs2000", h.lat_cgcs2000);
  v.real("baseline_greenness", h.baseline_greenness);
  v.real("last_greenness", h.last_greenness);
  v.integer("recovered_scans", h.recovered_scans);
  v.boolean("close_proposed", h.close_proposed);
  v.text("close_reason", h.close_reason);
  v.named("verdict", h.verdict);
  v.date("verdict_date", h.verdict_date);
  v.text("inspector", h.inspector);
  v.text("verdict_note", h.verdict_note);
  v.text("approval", h.approval);
  v.integer("rectification_days", h.rectification_days);
  v.date("rectification_due", h.rectification_due);
  v.text("related_hotspot", h.related_hotspot);
  v.text("sources", h.sources);
  v.text("sources_zh", h.sources_zh);
  v.integer("source_count", h.source_count);
  v.text("nearest_source_id", h.nearest_source_id);
  v.text("nearest_source_name", h.nearest_source_name);
  v.text("nearest_source_kind", h.nearest_source_kind);
  v.real("nearest_source_m", h.nearest_source_m);
  v.real("nearest_source_bearing", h.nearest_source_bearing);
}

template <class V>
void visit(V& v, StoredObservation& o) {
  v.text("scan_id", o.scan_id);
  v.text("patch_key", o.patch_key);
  v.text("hotspot_id", o.hotspot_id);
  v.named("event", o.event);
  v.named("status", o.status);
  v.boolean("reported", o.reported);
  v.integer("times_seen", o.times_seen);
  v.named("change_type", o.change_type);
  v.named("severity", o.severity);
  v.date("after_date", o.after_date);
  v.real("area_m2", o.area_m2);
  v.real("added_area_m2", o.added_area_m2);
  v.integer("pixel_count", o.pixel_count);
  v.real("greenness_before", o.greenness_before);
  v.real("greenness_after", o.greenness_after);
  v.real("magnitude", o.magnitude);
  v.named("revised_type", o.revised_type);
  v.text("detail", o.detail);
}

template <class V>
void visit(V& v, StoredEvent& e) {
  v.text("hotspot_id", e.hotspot_id);
  v.text("at_utc", e.at_utc);
  v.named("source", e.source);
  v.text("ref", e.ref);
  v.named("from_status", e.from_status);
  v.named("to_status", e.to_status);
  v.text("detail", e.detail);
}

template <class V>
void visit(V& v, StoredVerdict& r) {
  v.text("import_id", r.import_id);
  v.text("file", r.file);
  v.integer("row", r.row);
  v.text("hotspot_id", r.hotspot_id);
  v.named("verdict", r.verdict);
  v.date("verdict_date", r.verdict_date);
  v.text("inspector", r.inspector);
  v.text("note", r.note);
  v.text("approval", r.approval);
  v.named("from_status", r.from_status);
  v.named("to_status", r.to_status);
  v.text("imported_utc", r.imported_utc);
}

template <class V>
void visit(V& v, StoredDispatch& d) {
  v.text("dispatch_id", d.dispatch_id);
  v.text("at_utc", d.at_utc);
  v.text("region", d.region);
  v.text("out_dir", d.out_dir);
  v.integer("hotspot_count", d.hotspot_count);
  v.text("hotspot_ids", d.hotspot_ids);
}

template <class V>
void visit(V& v, PrecisionRow& p) {
  v.text("dimension", p.dimension);
  v.text("key", p.key);
  v.integer("verified", p.verified);
  v.integer("confirmed", p.confirmed);
  v.integer("false_alarm", p.false_alarm);
  v.integer("legal", p.legal);
  v.real("alert_precision", p.alert_precision);
  v.real("change_precision", p.change_precision);
}

/// A control unit's statistics in one scan (written only).
struct UnitStatsRow {
  std::string scan_id, code, name;
  UnitType type = UnitType::general;
  std::string region;
  double area_m2 = 0, valid_area_m2 = 0, valid_share = 0, changed_area_m2 = 0, changed_share = 0;
  std::array<double, kernels::kChangeTypeCount> changed_by_type{};
  double greenness_before = 0, greenness_after = 0, greenness_change = 0;
  int hotspot_count = 0;
  bool assessable = false, flagged = false;
  std::string flag_reasons;
};

template <class V>
void visit(V& v, UnitStatsRow& u) {
  v.text("scan_id", u.scan_id);
  v.text("unit_code", u.code);
  v.text("unit_name", u.name);
  v.named("unit_type", u.type);
  v.text("region", u.region);
  v.real("area_m2", u.area_m2);
  v.real("valid_area_m2", u.valid_area_m2);
  v.real("valid_share", u.valid_share);
  v.real("changed_area_m2", u.changed_area_m2);
  for (int t = 0; t < kernels::kChangeTypeCount; ++t) {
    const auto type = static_cast<kernels::ChangeType>(t);
    if (!kernels::is_change(type)) continue;
    v.real("changed_" + std::string(kernels::to_string(type)) + "_m2", u.changed_by_type[static_cast<std::size_t>(t)]);
  }
  v.real("changed_share", u.changed_share);
  v.real("greenness_before", u.greenness_before);
  v.real("greenness_after", u.greenness_after);
  v.real("greenness_change", u.greenness_change);
  v.integer("hotspot_count", u.hotspot_count);
  v.boolean("assessable", u.assessable);
  v.boolean("flagged", u.flagged);
  v.text("flag_reasons", u.flag_reasons);
}

struct MetaRow {
  std::string key, value;
};
template <class V>
void visit(V& v, MetaRow& m) {
  v.text("key", m.key);
  v.text("value", m.value);
}

struct ImportRow {
  std::string import_id, file, imported_utc;
  int rows = 0, applied = 0;
};
template <class V>
void visit(V& v, ImportRow& r) {
  v.text("import_id", r.import_id);
  v.text("file", r.file);
  v.text("imported_utc", r.imported_utc);
  v.integer("rows", r.rows);
  v.integer("applied", r.applied);
}

template <class Row>
std::vector<FieldSpec> fields_of() {
  Row row{};
  SchemaVisitor schema;
  visit(schema, row);
  return schema.fields;
}

}  // namespace zw::monitoring_detail
