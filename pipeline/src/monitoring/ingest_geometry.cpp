// Geometry of an ingest: footprints repaired, joined and measured, the approved projects
// layer in the store CRS, and one reported hotspot merged from a hotspot's patches.
#include <cstdio>
#include <map>

#include "ingest.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw::monitoring_detail {

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

OGREnvelope grown(OGREnvelope e, double by) {
  e.MinX -= by;
  e.MinY -= by;
  e.MaxX += by;
  e.MaxY += by;
  return e;
}

OgrPtr valid(OgrPtr g) {
  if (g && !g->IsValid()) {
    OgrPtr repaired(g->MakeValid());
    if (repaired) return geo::as_multipolygon(std::move(repaired));
  }
  return g;
}

OgrPtr union_of(const OGRGeometry& a, const OGRGeometry& b) {
  OgrPtr u(a.Union(&b));
  if (!u) throw InternalError("store: geometry union failed" + gdal_error_suffix());
  return geo::as_multipolygon(std::move(u));
}

double area_of(const OGRGeometry& g) {
  const auto flat = wkbFlatten(g.getGeometryType());
  if (flat == wkbPolygon) return g.toPolygon()->get_Area();
  if (flat == wkbMultiPolygon || flat == wkbGeometryCollection) return g.toGeometryCollection()->get_Area();
  return 0.0;
}

/// Area of `patch` outside `cover` (both in the same CRS).
double area_outside(const OGRGeometry& patch, const OGRGeometry* cover) {
  if (cover == nullptr || cover->IsEmpty()) return area_of(patch);
  OgrPtr rest(patch.Difference(cover));
  if (!rest) throw InternalError("store: geometry difference failed" + gdal_error_suffix());
  return area_of(*rest);
}

namespace {

double weighted_mean(const std::vector<const Hotspot*>& patches, double Hotspot::*member) {
  double sum = 0.0, weight = 0.0;
  for (const Hotspot* p : patches) {
    const double v = p->*member;
    if (!std::isfinite(v)) continue;
    sum += v * static_cast<double>(p->pixel_count);
    weight += static_cast<double>(p->pixel_count);
  }
  return weight > 0 ? sum / weight : kernels::kNaN;
}

}  // namespace

Hotspot merge_patches(std::vector<const Hotspot*> patches, const geo::GeographicCentroids& centroids,
                      const Judge& judge) {
  std::stable_sort(patches.begin(), patches.end(),
                   [](const Hotspot* a, const Hotspot* b) { return a->area_m2 > b->area_m2; });
  Hotspot merged = *patches.front();
  if (patches.size() == 1) return merged;
  merged.area_m2 = 0.0;
  merged.pixel_count = 0;
  OgrPtr geometry;
  for (const Hotspot* p : patches) {
    merged.area_m2 += p->area_m2;
    merged.pixel_count += p->pixel_count;
    OgrPtr g = geo::from_wkt(p->geometry_wkt, "patch " + p->id);
    if (!g) continue;
    geometry = geometry ? union_of(*geometry, *g) : geo::as_multipolygon(std::move(g));
  }
  merged.mean_greenness_before = weighted_mean(patches, &Hotspot::mean_greenness_before);
  merged.mean_greenness_after = weighted_mean(patches, &Hotspot::mean_greenness_after);
  merged.mean_magnitude = weighted_mean(patches, &Hotspot::mean_magnitude);
  if (geometry) {
    merged.geometry_wkt = geo::to_wkt(*geometry);
    const auto c = centroids(*geometry);
    merged.centroid_lon_wgs84 = c[0];
    merged.centroid_lat_wgs84 = c[1];
    merged.centroid_lon_cgcs2000 = c[2];
    merged.centroid_lat_cgcs2000 = c[3];
  }
  judge.rate(merged);
  return merged;
}

void recount_unit_hotspots(ScanResults& results) {
  std::map<std::string, int> counts;
  for (const Hotspot& h : results.hotspots) ++counts[h.unit_code];
  for (UnitResult& u : results.units) u.hotspot_count = counts.count(u.code) != 0 ? counts[u.code] : 0;
}

std::vector<Approval> load_approvals(const ApprovedProjectsOptions& options, const std::string& store_crs,
                                     double tolerance) {
  std::vector<Approval> approvals;
  if (options.path.empty()) return approvals;
  DatasetPtr ds = open_vector(options.path);
  OGRLayer* layer = nullptr;
  if (!options.layer.empty()) {
    layer = ds->GetLayerByName(options.layer.c_str());
    if (layer == nullptr)
      throw InputError(options.path + ": no layer '" + options.layer + "' (store.approved_projects.layer)");
  } else {
    if (ds->GetLayerCount() != 1) {
      throw InputError(options.path + ": has " + std::to_string(ds->GetLayerCount()) +
                       " layers; set store.approved_projects.layer");
    }
    layer = ds->GetLayer(0);
  }
  const std::string where = options.path + " layer " + layer->GetName();
  int name_index = -1;
  if (!options.name_field.empty()) {
    name_index = layer->GetLayerDefn()->GetFieldIndex(options.name_field.c_str());
    if (name_index < 0) {
      throw InputError(where + ": no attribute '" + options.name_field + "' (store.approved_projects.name_field)");
    }
  }
  const OGRSpatialReference* source = layer->GetSpatialRef();
  if (source == nullptr) throw InputError(where + ": has no CRS; approved projects need one");
  char* source_wkt = nullptr;
  source->exportToWkt(&source_wkt);
  const geo::Reprojector to_store(source_wkt != nullptr ? source_wkt : "", store_crs);
  CPLFree(source_wkt);
  layer->ResetReading();
  for (auto& feature : *layer) {
    const OGRGeometry* g = feature->GetGeometryRef();
    if (g == nullptr || g->IsEmpty()) continue;
    OgrPtr projected = valid(geo::as_multipolygon(to_store(*g)));
    if (!projected || projected->IsEmpty()) {
      throw InputError(where + ", feature " + std::to_string(feature->GetFID()) + ": not a polygon");
    }
    OgrPtr area(tolerance > 0 ? projected->Buffer(tolerance, 8) : projected->clone());
    if (!area) throw InputError(where + ", feature " + std::to_string(feature->GetFID()) + ": cannot be buffered");
    Approval approval;
    approval.name = name_index >= 0 && feature->IsFieldSetAndNotNull(name_index)
                        ? feature->GetFieldAsString(name_index)
                        : "feature " + std::to_string(feature->GetFID());
    area->getEnvelope(&approval.envelope);
    approval.area = std::move(area);
    approvals.push_back(std::move(approval));
  }
  logger("store")->info("{}: {} approved projects", where, approvals.size());
  return approvals;
}

}  // namespace zw::monitoring_detail
