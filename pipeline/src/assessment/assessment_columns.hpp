#pragma once
// The assessment's tables as one column model, so that units.csv, the GeoPackage layer and
// the summaries' CSVs cannot drift apart; and the class colours and labels the report and
// the tables share. Not a public header.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "zonewatch/pipeline/assessment/assessment.hpp"

namespace zw::assessment_detail {

/// A cell: text, a real (NaN: empty / NULL) or an integer (negative counts: unknown -> NULL).
using Cell = std::variant<std::string, double, std::int64_t>;

template <class Row>
struct TableColumn {
  std::string name;  // ASCII: CSV header and GeoPackage field
  int decimals = 0;  // for reals in CSV
  std::function<Cell(const Row&)> value;
};

std::vector<TableColumn<UnitAssessment>> unit_columns(const AssessmentResult& result);
std::vector<TableColumn<GroupSummary>> group_columns(const AssessmentResult& result);

/// Fill colour of a change class on the map and in the tables.
std::string_view class_colour(ChangeClass change_class);

/// "明显变差 significantly worse".
std::string class_label(ChangeClass change_class);

}  // namespace zw::assessment_detail
