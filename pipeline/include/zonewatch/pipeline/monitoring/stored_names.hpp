#pragma once
// The text values of the monitoring store's typed columns: hotspot status, sighting event,
// history source, verdict, severity, change type and unit type. They are written with each
// enum's one name table (to_string) and read back only exactly as written: any other text
// in a store is an InputError naming the store, table, column and value, never a default.
#include <string_view>

#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/pipeline/config/unit_type.hpp"
#include "zonewatch/pipeline/monitoring/lifecycle.hpp"
#include "zonewatch/pipeline/stages/severity.hpp"

namespace zw {

/// Where a stored value was read, for the error that names it.
struct StoredColumn {
  std::string_view store;  // the store's path
  std::string_view table;
  std::string_view column;
};

/// The value whose name is exactly `text`; throws InputError
/// "<store>: table <table>, column <column>: unknown value '<text>' (expected ...)" otherwise.
template <class Enum>
Enum parse_stored(std::string_view text, const StoredColumn& where);

template <>
HotspotStatus parse_stored<HotspotStatus>(std::string_view text, const StoredColumn& where);
template <>
SightingEvent parse_stored<SightingEvent>(std::string_view text, const StoredColumn& where);
template <>
HistorySource parse_stored<HistorySource>(std::string_view text, const StoredColumn& where);
template <>
Verdict parse_stored<Verdict>(std::string_view text, const StoredColumn& where);
template <>
Severity parse_stored<Severity>(std::string_view text, const StoredColumn& where);
template <>
kernels::ChangeType parse_stored<kernels::ChangeType>(std::string_view text, const StoredColumn& where);
template <>
UnitType parse_stored<UnitType>(std::string_view text, const StoredColumn& where);

}  // namespace zw
