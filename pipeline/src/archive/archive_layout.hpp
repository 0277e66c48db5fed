#pragma once
// Private to the archive: where each value lives in the HDF5 file (the layout documented in
// archive/archive_file.hpp), shared by the readers and the year writer.
#include <filesystem>
#include <string>
#include <vector>

#include "h5_support.hpp"
#include "zonewatch/pipeline/archive/archive_contents.hpp"

namespace zw::archive_detail {

inline constexpr const char* kYearsGroup = "years";
inline constexpr const char* kUnitsGroup = "units";
inline constexpr const char* kCalibrationGroup = "calibration";
inline constexpr const char* kRastersGroup = "rasters";

/// "2021" (the group of a year under /years).
[[nodiscard]] std::string year_group_name(int year);

/// File access for the archive: the file closes only with everything in it (so its data are
/// complete on disk when H5Fclose returns), HDF5 1.8+ object headers.
[[nodiscard]] H5Id archive_access_properties(const H5Context& context);

/// Opens an existing archive and checks it is one this build reads: InputError naming the
/// file when it is missing, not HDF5, not a zonewatch archive or of a newer format_version.
[[nodiscard]] H5Id open_archive(const H5Context& context, const std::filesystem::path& path, bool writable);

/// Programme, grid, units and calibration (no years).
[[nodiscard]] ArchiveContents read_header(const H5Context& context, hid_t file);
/// Writes the root attributes, /units and /calibration of a new archive.
void write_header(const H5Context& context, hid_t file, const ArchiveContents& header);
/// Writes (or replaces) rsei_reference_year and /calibration's attributes.
void write_calibration(const H5Context& context, hid_t file, const RseiCalibration& calibration);

/// The archived years, ascending (empty when /years is missing).
[[nodiscard]] std::vector<int> list_years(const H5Context& context, hid_t file);
[[nodiscard]] ArchiveYearInfo read_year_info(const H5Context& context, hid_t year_group, int year);
void write_year_info(const H5Context& context, hid_t year_group, const ArchiveYearInfo& info);
/// One row per unit (unit_code filled from `units`).
[[nodiscard]] std::vector<UnitYearIndicators> read_indicators(const H5Context& context, hid_t year_group,
                                                              const std::vector<ArchivedUnit>& units);
void write_indicators(const H5Context& context, hid_t year_group, const std::vector<UnitYearIndicators>& rows);

/// What differs between an archive's header and a new year's ("" when they agree): the
/// programme, grid and units, and the calibration where both have one.
[[nodiscard]] std::string header_difference(const ArchiveContents& archived, const ArchiveContents& now);

}  // namespace zw::archive_detail
