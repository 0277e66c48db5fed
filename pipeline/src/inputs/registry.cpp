// Registry layers and the river network for source tracing, read with OGR.
#include "zonewatch/pipeline/inputs/registry.hpp"

#include <algorithm>
#include <memory>

#include <ogrsf_frmts.h>

#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw {
namespace {

std::string layer_names(GDALDataset& ds) {
  std::string names;
  for (auto* l : ds.GetLayers()) names += std::string(names.empty() ? "" : ", ") + l->GetName();
  return names;
}

/// The layer named in the config, or the only one.
OGRLayer& pick_layer(GDALDataset& ds, const std::string& path, const std::string& layer, const std::string& key) {
  if (!layer.empty()) {
    OGRLayer* found = ds.GetLayerByName(layer.c_str());
    if (found == nullptr)
      throw InputError(path + ": no layer '" + layer + "' (" + key + "; layers: " + layer_names(ds) + ")");
    return *found;
  }
  if (ds.GetLayerCount() == 0) throw InputError(path + ": holds no vector layer");
  if (ds.GetLayerCount() > 1) {
    throw InputError(path + ": has several layers (" + layer_names(ds) + "); set " + key);
  }
  return *ds.GetLayer(0);
}

/// A transformation from the layer's CRS to the target; the layer must have a CRS (distances
/// in metres and bearings mean nothing without one).
std::unique_ptr<OGRCoordinateTransformation> to_target(OGRLayer& layer, const std::string& where,
                                                       const std::string& target_crs_wkt) {
  const OGRSpatialReference* layer_srs = layer.GetSpatialRef();
  // A GeoPackage layer written without a CRS reports GDAL's placeholder (srs_id 0 / -1).
  const char* srs_name = layer_srs != nullptr ? layer_srs->GetName() : nullptr;
  const bool placeholder = srs_name != nullptr && (std::string(srs_name) == "Undefined geographic SRS" ||
                                                   std::string(srs_name) == "Undefined Cartesian SRS");
  if (layer_srs == nullptr || layer_srs->IsEmpty() || placeholder) {
    throw InputError(where +
                     ": has no coordinate reference system; distances cannot be measured (assign one, "
                     "e.g. ogr2ogr -a_srs EPSG:4490)");
  }
  OGRSpatialReference source(*layer_srs);
  source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  OGRSpatialReference target;
  target.importFromWkt(target_crs_wkt.c_str());
  target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  if (source.IsSame(&target)) return nullptr;
  std::unique_ptr<OGRCoordinateTransformation> transform(OGRCreateCoordinateTransformation(&source, &target));
  if (!transform) throw InputError(where + ": cannot be transformed to the analysis CRS" + gdal_error_suffix());
  return transform;
}

int field_index(OGRFeatureDefn& definition, const std::string& field, const std::string& where,
                const std::string& key) {
  const int index = definition.GetFieldIndex(field.c_str());
  if (index >= 0) return index;
  std::string names;
  for (int i = 0; i < definition.GetFieldCount(); ++i) {
    names += std::string(i ? ", " : "") + definition.GetFieldDefn(i)->GetNameRef();
  }
  throw InputError(where + ": no attribute '" + field + "' (" + key + "); attributes: " + names);
}

std::string field_text(OGRFeature& feature, int index) {
  if (index < 0 || !feature.IsFieldSetAndNotNull(index)) return {};
  return feature.GetFieldAsString(index);
}

bool point_or_polygon(OGRwkbGeometryType type) {
  const auto flat = wkbFlatten(type);
  return flat == wkbPoint || flat == wkbMultiPoint || flat == wkbPolygon || flat == wkbMultiPolygon;
}

}  // namespace

RegistryLayer load_registry(const RegistryOptions& options, const std::string& target_crs_wkt) {
  init_gdal();
  auto log = logger("sources");
  const std::string key = "sources.registries." + options.name;
  DatasetPtr ds = open_vector(options.path);
  OGRLayer& layer = pick_layer(*ds, options.path, options.layer, key + ".layer");
  RegistryLayer out;
  out.options = options;
  out.source = options.path + " layer " + layer.GetName();
  const std::string& where = out.source;
  const OGRwkbGeometryType layer_type = layer.GetGeomType();
  if (layer_type != wkbUnknown && !point_or_polygon(layer_type)) {
    throw InputError(where + ": geometry type " + OGRGeometryTypeToName(layer_type) + " (" + key +
                     "), expected points or polygons");
  }
  const auto transform = to_target(layer, where, target_crs_wkt);
  OGRFeatureDefn& definition = *layer.GetLayerDefn();
  const int id_index = field_index(definition, options.id_field, where, key + ".id_field");
  const int name_index =
      options.name_field.empty() ? -1 : field_index(definition, options.name_field, where, key + ".name_field");
  std::vector<int> extra;
  for (const std::string& field : options.fields)
    extra.push_back(field_index(definition, field, where, key + ".fields"));

  layer.ResetReading();
  for (auto& feature : layer) {
    const std::string feature_name = where + " feature " + std::to_string(feature->GetFID());
    RegistrySite site;
    site.id = field_text(*feature, id_index);
    if (site.id.empty()) {
      throw InputError(feature_name + ": attribute '" + options.id_field + "' (" + key + ".id_field) is empty");
    }
    site.name = field_text(*feature, name_index);
    for (std::size_t i = 0; i < extra.size(); ++i) {
      site.fields.emplace_back(options.fields[i], field_text(*feature, extra[i]));
    }
    const OGRGeometry* geometry = feature->GetGeometryRef();
    if (geometry == nullptr || geometry->IsEmpty()) {
      ++out.skipped_without_geometry;
      continue;
    }
    if (!point_or_polygon(geometry->getGeometryType())) {
      throw InputError(feature_name + " (" + site.id + "): geometry is " +
                       OGRGeometryTypeToName(geometry->getGeometryType()) + ", expected a point or a polygon");
    }
    site.geometry.reset(geometry->clone());
    if (transform && site.geometry->transform(transform.get()) != OGRERR_NONE) {
      throw InputError(feature_name + " (" + site.id + "): cannot be transformed to the analysis CRS" +
                       gdal_error_suffix());
    }
    out.sites.push_back(std::move(site));
  }
  if (out.skipped_without_geometry > 0) {
    log->warn("{}: {} site(s) without a geometry are not traced", where, out.skipped_without_geometry);
  }
  log->info("{}: {} sites ({})", where, out.sites.size(), to_string(options.kind));
  return out;
}

std::vector<RiverLine> load_river_network(const RiverNetworkOptions& options, const std::string& target_crs_wkt) {
  init_gdal();
  const std::string key = "sources.river_network";
  DatasetPtr ds = open_vector(options.path);
  OGRLayer& layer = pick_layer(*ds, options.path, options.layer, key + ".layer");
  const std::string where = options.path + " layer " + layer.GetName();
  const OGRwkbGeometryType layer_type = wkbFlatten(layer.GetGeomType());
  if (layer_type != wkbUnknown && layer_type != wkbLineString && layer_type != wkbMultiLineString) {
    throw InputError(where + ": geometry type " + OGRGeometryTypeToName(layer.GetGeomType()) + " (" + key +
                     "), expected lines");
  }
  const auto transform = to_target(layer, where, target_crs_wkt);
  const bool reverse = options.direction == "upstream";
  std::vector<RiverLine> lines;
  const auto add_line = [&](const OGRLineString& line) {
    RiverLine points;
    for (int i = 0; i < line.getNumPoints(); ++i) points.push_back({line.getX(i), line.getY(i)});
    if (points.size() < 2) return;
    if (reverse) std::reverse(points.begin(), points.end());
    lines.push_back(std::move(points));
  };
  layer.ResetReading();
  for (auto& feature : layer) {
    const OGRGeometry* source = feature->GetGeometryRef();
    if (source == nullptr || source->IsEmpty()) continue;
    OGRGeometryUniquePtr geometry(source->clone());
    const auto flat = wkbFlatten(geometry->getGeometryType());
    if (flat != wkbLineString && flat != wkbMultiLineString) {
      throw InputError(where + " feature " + std::to_string(feature->GetFID()) + ": geometry is " +
                       OGRGeometryTypeToName(geometry->getGeometryType()) + ", expected a line");
    }
    if (transform && geometry->transform(transform.get()) != OGRERR_NONE) {
      throw InputError(where + " feature " + std::to_string(feature->GetFID()) +
                       ": cannot be transformed to the analysis CRS" + gdal_error_suffix());
    }
    if (flat == wkbLineString) {
      add_line(*geometry->toLineString());
    } else {
      for (const OGRLineString* part : *geometry->toMultiLineString()) add_line(*part);
    }
  }
  if (lines.empty()) throw InputError(where + ": holds no river line (" + key + ")");
  return lines;
}

}  // namespace zw
