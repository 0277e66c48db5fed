#include "zonewatch/pipeline/inputs/units.hpp"

#include <algorithm>
#include <exception>
#include <set>

#include <ogrsf_frmts.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"

namespace zw {
namespace {

/// Why an attribute may not read as what it says: text that is not UTF-8, or only Latin
/// letters where Chinese was meant (GBK bytes read as Latin-1), is the layer's encoding,
/// most often a Shapefile without the .cpg naming its code page. Empty when the text is
/// plain ASCII or valid UTF-8 with some CJK in it.
std::string encoding_hint(const std::string& text, const std::string& path) {
  const bool valid = text::invalid_utf8_offset(text) == std::string::npos;
  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return {};
  bool cjk = false;
  for (std::size_t i = 0; valid && i + 2 < text.size(); ++i) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead >= 0xE3 && lead <= 0xE9) cjk = true;  // U+3000..U+9FFF as 3-byte UTF-8
  }
  if (valid && cjk) return {};
  const bool shapefile = path.size() >= 4 && (path.ends_with(".shp") || path.ends_with(".SHP"));
  return std::string(valid ? " (Latin letters where Chinese was expected" : " (not valid UTF-8") +
         ": the layer's text encoding was not recognised" +
         (shapefile ? "; a Shapefile needs a .cpg file beside the .shp naming its code page, e.g. GBK or 936"
                    : "; save the layer as UTF-8") +
         ")";
}

using OGRGeometryPtr = std::unique_ptr<OGRGeometry>;

kernels::Ring to_pixel_ring(const OGRLinearRing& ring, const AnalysisGrid& grid) {
  kernels::Ring out;
  const int n = ring.getNumPoints();
  out.x.reserve(static_cast<std::size_t>(n));
  out.y.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const auto p = grid.to_pixel(ring.getX(i), ring.getY(i));
    out.x.push_back(p[0]);
    out.y.push_back(p[1]);
  }
  return out;
}

void add_polygon(const OGRPolygon& polygon, const AnalysisGrid& grid, kernels::MultiPolygonRings& out) {
  if (polygon.IsEmpty()) return;
  kernels::PolygonRings rings;
  rings.rings.push_back(to_pixel_ring(*polygon.getExteriorRing(), grid));
  for (int i = 0; i < polygon.getNumInteriorRings(); ++i) {
    rings.rings.push_back(to_pixel_ring(*polygon.getInteriorRing(i), grid));
  }
  out.push_back(std::move(rings));
}

/// Keeps the polygonal parts of a geometry (MakeValid can return collections with lines).
void collect_polygons(const OGRGeometry& geometry, const AnalysisGrid& grid, kernels::MultiPolygonRings& out) {
  switch (wkbFlatten(geometry.getGeometryType())) {
    case wkbPolygon: add_polygon(*geometry.toPolygon(), grid, out); break;
    case wkbMultiPolygon:
    case wkbGeometryCollection:
      for (const OGRGeometry* part : *geometry.toGeometryCollection()) collect_polygons(*part, grid, out);
      break;
    default: break;
  }
}

}  // namespace

kernels::MultiPolygonRings pixel_rings(const OGRGeometry& geometry, const AnalysisGrid& grid) {
  kernels::MultiPolygonRings rings;
  collect_polygons(geometry, grid, rings);
  return rings;
}

namespace {

void collect_polygon_parts(const OGRGeometry& geometry, OGRMultiPolygon& out) {
  switch (wkbFlatten(geometry.getGeometryType())) {
    case wkbPolygon: out.addGeometry(&geometry); break;
    case wkbMultiPolygon:
    case wkbGeometryCollection:
      for (const OGRGeometry* part : *geometry.toGeometryCollection()) collect_polygon_parts(*part, out);
      break;
    default: break;
  }
}

/// The polygonal part of a repaired geometry: MakeValid turns a spike or a zero-width
/// appendage into a line beside the polygon, and a unit (like the outputs' layers) is
/// polygons only.
OGRGeometryPtr polygonal_part(OGRGeometryPtr geometry) {
  const auto flat = wkbFlatten(geometry->getGeometryType());
  if (flat == wkbPolygon || flat == wkbMultiPolygon) return geometry;
  auto polygons = std::make_unique<OGRMultiPolygon>();
  collect_polygon_parts(*geometry, *polygons);
  if (polygons->getNumGeometries() == 1) return OGRGeometryPtr(polygons->getGeometryRef(0)->clone());
  return polygons;
}

std::string field_text(OGRFeature& feature, int index) {
  if (index < 0 || !feature.IsFieldSetAndNotNull(index)) return {};
  return feature.GetFieldAsString(index);
}

/// Checks `geometry` (repaired where invalid), moves it onto the grid's CRS with `to_grid`
/// (none: it is in it) and stores it in `unit` as WKT and pixel rings. Thread-safe for
/// distinct units and transformations; `named` names the feature in errors.
void place_unit(ControlUnit& unit, OGRGeometryPtr geometry, OGRCoordinateTransformation* to_grid,
                const AnalysisGrid& grid, const std::string& named) {
  if (!geometry->IsValid()) {
    take_gdal_error();
    OGRGeometryPtr repaired(geometry->MakeValid());
    if (!repaired || repaired->IsEmpty() || !repaired->IsValid()) {
      throw InputError(named + ": geometry is invalid and cannot be repaired" + gdal_error_suffix());
    }
    geometry = polygonal_part(std::move(repaired));
    unit.repaired = true;
  }
  if (to_grid != nullptr && geometry->transform(to_grid) != OGRERR_NONE) {
    throw InputError(named + ": cannot be transformed to the grid CRS" + gdal_error_suffix());
  }
  unit.pixel_rings = pixel_rings(*geometry, grid);
  if (unit.pixel_rings.empty()) throw InputError(named + ": geometry has no polygon area after repair");
  char* wkt = nullptr;
  geometry->exportToWkt(&wkt, wkbVariantIso);
  unit.geometry_wkt = wkt != nullptr ? wkt : "";
  CPLFree(wkt);
}

}  // namespace

std::vector<ControlUnit> load_control_units(const UnitsOptions& options, const AnalysisGrid& grid) {
  auto log = logger("units");
  DatasetPtr ds = open_vector(options.path);
  OGRLayer* layer = nullptr;
  if (!options.layer.empty()) {
    layer = ds->GetLayerByName(options.layer.c_str());
    if (layer == nullptr) {
      std::string names;
      for (auto* l : ds->GetLayers()) names += std::string(names.empty() ? "" : ", ") + l->GetName();
      throw InputError(options.path + ": no layer '" + options.layer + "' (layers: " + names + ")");
    }
  } else {
    if (ds->GetLayerCount() == 0) throw InputError(options.path + ": holds no vector layer");
    if (ds->GetLayerCount() > 1) {
      std::string names;
      for (auto* l : ds->GetLayers()) names += std::string(names.empty() ? "" : ", ") + l->GetName();
      throw InputError(options.path + ": has several layers (" + names + "); set units.layer");
    }
    layer = ds->GetLayer(0);
  }
  const std::string where = options.path + " layer " + layer->GetName();
  OGRFeatureDefn* definition = layer->GetLayerDefn();
  auto field_index = [&](const std::string& field, const std::string& key, bool required) {
    const int index = definition->GetFieldIndex(field.c_str());
    if (index < 0 && required) {
      std::string names;
      for (int i = 0; i < definition->GetFieldCount(); ++i) {
        names += std::string(i ? ", " : "") + definition->GetFieldDefn(i)->GetNameRef();
      }
      throw InputError(where + ": no attribute '" + field + "' (units.fields." + key + "); attributes: " + names);
    }
    return index;
  };
  const int code_index = field_index(options.code_field, "code", true);
  // With a default type, the type attribute is optional (used where present).
  const int type_index = field_index(options.type_field, "type", !options.default_type.has_value());
  // Name and region are descriptive: an empty field name in the config means "none".
  const int name_index = options.name_field.empty() ? -1 : field_index(options.name_field, "name", true);
  const int region_index = options.region_field.empty() ? -1 : field_index(options.region_field, "region", true);

  std::unique_ptr<OGRCoordinateTransformation> to_grid;
  const OGRSpatialReference* layer_srs = layer->GetSpatialRef();
  OGRSpatialReference grid_srs;
  if (!grid.crs_wkt.empty()) {
    grid_srs.importFromWkt(grid.crs_wkt.c_str());
    grid_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  }
  if (layer_srs == nullptr) {
    log->warn("{}: has no CRS; assuming the analysis grid's", where);
  } else if (!grid.crs_wkt.empty() && !layer_srs->IsSame(&grid_srs)) {
    OGRSpatialReference source(*layer_srs);
    source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    to_grid.reset(OGRCreateCoordinateTransformation(&source, &grid_srs));
    if (!to_grid) throw InputError(where + ": cannot be transformed to the grid CRS" + gdal_error_suffix());
  }

  struct PendingUnit {
    ControlUnit unit;
    std::string named;
    OGRGeometryPtr geometry;
  };
  std::set<std::string> codes;
  // A feature's attributes and its geometry's type checked; the geometry is placed later.
  const auto read_unit = [&](OGRFeature& feature) {
    const std::string feature_name = where + " feature " + std::to_string(feature.GetFID());
    ControlUnit unit;
    unit.code = field_text(feature, code_index);
    if (unit.code.empty())
      throw InputError(feature_name + ": attribute '" + options.code_field + "' (unit code) is empty");
    // The code becomes hotspot IDs, packet file names and spreadsheet cells.
    if (const std::string problem = text::id_problem(unit.code); !problem.empty()) {
      throw InputError(feature_name + ": attribute '" + options.code_field + "' (unit code) '" +
                       text::printable(unit.code) + "' " + problem +
                       "; expected a code such as ZH50011620001 (letters, digits, - _ .)");
    }
    std::string named = feature_name + " (" + unit.code + ")";
    if (!codes.insert(unit.code).second) throw InputError(named + ": unit code appears twice in the layer");
    const std::string type_text = field_text(feature, type_index);
    const auto type = type_index < 0 && options.default_type ? options.default_type : unit_type_from_string(type_text);
    if (!type) {
      throw InputError(named + ": attribute '" + options.type_field + "' is '" + text::printable(type_text) +
                       "', expected priority|key|general or 优先保护单元|重点管控单元|一般管控单元" +
                       encoding_hint(type_text, options.path));
    }
    unit.type = *type;
    unit.name = field_text(feature, name_index);
    unit.region = field_text(feature, region_index);

    const OGRGeometry* source_geometry = feature.GetGeometryRef();
    if (source_geometry == nullptr || source_geometry->IsEmpty()) throw InputError(named + ": has no geometry");
    const auto flat = wkbFlatten(source_geometry->getGeometryType());
    if (flat != wkbPolygon && flat != wkbMultiPolygon) {
      throw InputError(named + ": geometry is " + OGRGeometryTypeToName(source_geometry->getGeometryType()) +
                       ", expected Polygon or MultiPolygon");
    }
    return PendingUnit{std::move(unit), std::move(named), OGRGeometryPtr(source_geometry->clone())};
  };

  // The layer is read in order (OGR layers are not thread-safe); each unit's geometry is
  // then checked, repaired, moved onto the grid and rasterised into pixel rings in parallel
  // (a province's 26,568 units took seconds one after the other, beside a statistics pass of
  // about one). The first failing feature in layer order gives the error, as it did when
  // each feature was done before the next was read.
  std::vector<PendingUnit> pending;
  std::exception_ptr reading_error;  // stops the reading: no feature after it counts
  layer->ResetReading();
  for (auto& feature : *layer) {
    try {
      pending.push_back(read_unit(*feature));
    } catch (const Error&) {
      reading_error = std::current_exception();
      break;
    }
  }
  std::vector<std::exception_ptr> errors(pending.size());
  tbb::enumerable_thread_specific<std::unique_ptr<OGRCoordinateTransformation>> transforms;
  tbb::parallel_for(std::size_t{0}, pending.size(), [&](std::size_t i) {
    PendingUnit& p = pending[i];
    try {
      OGRCoordinateTransformation* transform = nullptr;
      if (to_grid) {
        auto& own = transforms.local();  // one transformation is not thread-safe: a copy per thread
        if (!own) own.reset(to_grid->Clone());
        if (!own) throw InputError(p.named + ": cannot be transformed to the grid CRS (transformation not copied)");
        transform = own.get();
      }
      place_unit(p.unit, std::move(p.geometry), transform, grid, p.named);
    } catch (const Error&) {
      errors[i] = std::current_exception();
    }
  });
  std::vector<ControlUnit> units;
  units.reserve(pending.size());
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (errors[i]) std::rethrow_exception(errors[i]);
    if (pending[i].unit.repaired) {
      log->warn("{}: invalid geometry (e.g. self-intersection) repaired with MakeValid", pending[i].named);
    }
    units.push_back(std::move(pending[i].unit));
  }
  if (reading_error) std::rethrow_exception(reading_error);
  if (units.empty()) throw InputError(where + ": holds no control unit");
  return units;
}

}  // namespace zw
