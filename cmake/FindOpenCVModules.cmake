# Finds the three OpenCV modules zonewatch uses (core, imgproc, imgcodecs) from Debian's
# per-module -dev packages, which ship no OpenCVConfig.cmake (only the libopencv-dev
# meta-package does, and it drags in every module). Defines opencv::<module> targets.
find_path(OpenCVModules_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
foreach(module core imgproc imgcodecs)
  find_library(OpenCVModules_${module}_LIBRARY NAMES opencv_${module} REQUIRED)
  if(NOT TARGET opencv::${module})
    add_library(opencv::${module} UNKNOWN IMPORTED)
    set_target_properties(opencv::${module} PROPERTIES
      IMPORTED_LOCATION "${OpenCVModules_${module}_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${OpenCVModules_INCLUDE_DIR}"
      INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${OpenCVModules_INCLUDE_DIR}")
  endif()
endforeach()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OpenCVModules DEFAULT_MSG OpenCVModules_INCLUDE_DIR)
