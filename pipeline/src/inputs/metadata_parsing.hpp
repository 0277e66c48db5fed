#pragma once
// Parsing shared by the product metadata readers (metadata*.cpp): numbers, XML with namespace
// prefixes stripped, and dates at the start of timestamps; not a public header.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <cpl_minixml.h>

#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw::inputs_detail {

/// The whole (trimmed) text as a finite number; nullopt otherwise.
std::optional<double> parse_number(const std::string& text);

// --- XML helpers (namespace prefixes stripped) ------------------------------------------

using zw::XmlPtr;  // gdal/gdal_env.hpp

/// The XML file parsed, namespace prefixes stripped. InputError when not well-formed.
XmlPtr parse_xml(const std::string& path);

/// Every element named `name` at or under root, in document order.
std::vector<const CPLXMLNode*> elements(const CPLXMLNode* root, std::string_view name);

/// Text content of an element (its first text child), trimmed.
std::string text_of(const CPLXMLNode* element);

/// Value of the attribute `name` of an element, trimmed; "" when absent.
std::string attribute_of(const CPLXMLNode* element, std::string_view name);

/// Text of the first element named `name` anywhere under root; "" when none.
std::string first_text(const CPLXMLNode* root, std::string_view name);

/// First 10 characters as a date when they are one ("2017-04-14T03:25:41.026Z").
std::string date_prefix(const std::string& timestamp);

}  // namespace zw::inputs_detail
