#include "zonewatch/kernels/morphology.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "zonewatch/kernels/change_typing.hpp"

namespace zw::kernels {

namespace {

constexpr std::uint8_t kMaskOn = 255;

cv::Mat change_mask_of(ConstTileView<std::uint8_t> classes) {
  cv::Mat change_mask(classes.height, classes.width, CV_8UC1);
  for (int y = 0; y < classes.height; ++y) {
    const std::uint8_t* class_row = classes.row(y);
    auto* mask_row = change_mask.ptr<std::uint8_t>(y);
    for (int x = 0; x < classes.width; ++x) {
      mask_row[x] = is_change(class_row[x]) ? kMaskOn : std::uint8_t{0};
    }
  }
  return change_mask;
}

cv::Mat square_element(int radius) {
  const int side = 2 * radius + 1;
  return cv::getStructuringElement(cv::MORPH_RECT, cv::Size(side, side));
}

/// The most common change type among the change pixels of the (2r+1)^2 window around
/// (x, y), the lower code on a tie; none when the window holds no change.
std::uint8_t majority_change_type(ConstTileView<std::uint8_t> classes, int x, int y, int radius) {
  std::array<int, 256> counts{};
  for (int yy = std::max(0, y - radius); yy <= std::min(classes.height - 1, y + radius); ++yy) {
    const std::uint8_t* row = classes.row(yy);
    for (int xx = std::max(0, x - radius); xx <= std::min(classes.width - 1, x + radius); ++xx) {
      if (is_change(row[xx])) ++counts[row[xx]];
    }
  }
  std::size_t best = 0;
  for (std::size_t t = 1; t < counts.size(); ++t) {
    if (counts[t] > counts[best]) best = t;
  }
  return counts[best] > 0 ? static_cast<std::uint8_t>(best) : static_cast<std::uint8_t>(ChangeType::none);
}

}  // namespace

void open_change_mask(TileView<std::uint8_t> classes, int opening_radius) {
  if (opening_radius < 0) {
    throw std::invalid_argument("open_change_mask: opening radius must not be negative");
  }
  if (opening_radius == 0 || classes.empty()) return;

  const cv::Mat change_mask = change_mask_of(classes);
  const cv::Mat element = square_element(opening_radius);
  // Border value 0 = "no change" outside the view. OpenCV's default border for erosion is
  // +inf (outside never erodes), which would let patches survive at the image edge and make
  // the result depend on where tiles are cut. For dilation 0 is already neutral.
  const cv::Scalar no_change(0);
  cv::Mat opened;
  cv::erode(change_mask, opened, element, cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, no_change);
  cv::dilate(opened, opened, element, cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, no_change);

  for (int y = 0; y < classes.height; ++y) {
    std::uint8_t* class_row = classes.row(y);
    const auto* opened_row = opened.ptr<std::uint8_t>(y);
    for (int x = 0; x < classes.width; ++x) {
      if (is_change(class_row[x]) && opened_row[x] == 0) {
        class_row[x] = static_cast<std::uint8_t>(ChangeType::none);
      }
    }
  }
}

void close_change_mask(TileView<std::uint8_t> classes, int closing_radius) {
  if (closing_radius < 0) {
    throw std::invalid_argument("close_change_mask: closing radius must not be negative");
  }
  if (closing_radius == 0 || classes.empty()) return;

  const cv::Mat element = square_element(closing_radius);
  // Outside the view is "no change" for both steps (see open_change_mask): the erosion's
  // border of 0 keeps the outside from closing gaps along the image edge.
  const cv::Scalar no_change(0);
  cv::Mat closed;
  cv::dilate(change_mask_of(classes), closed, element, cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, no_change);
  cv::erode(closed, closed, element, cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, no_change);

  // Types are read from the input, all fills applied after: no fill sees another.
  const auto none = static_cast<std::uint8_t>(ChangeType::none);
  struct Fill {
    int x, y;
    std::uint8_t type;
  };
  std::vector<Fill> fills;
  for (int y = 0; y < classes.height; ++y) {
    const std::uint8_t* class_row = classes.row(y);
    const auto* closed_row = closed.ptr<std::uint8_t>(y);
    for (int x = 0; x < classes.width; ++x) {
      if (class_row[x] != none || closed_row[x] == 0) continue;
      const std::uint8_t type = majority_change_type(classes, x, y, closing_radius);
      if (type != none) fills.push_back({x, y, type});
    }
  }
  for (const Fill& fill : fills) classes(fill.x, fill.y) = fill.type;
}

}  // namespace zw::kernels
