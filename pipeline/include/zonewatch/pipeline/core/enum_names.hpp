#pragma once
// One name table per enum: the template lives in kernels (it depends on nothing, and the
// kernels' enums use it too); the pipeline names it zw::EnumNames.
#include "zonewatch/kernels/enum_names.hpp"

namespace zw {

using kernels::EnumName;
using kernels::EnumNames;

}  // namespace zw
