#include "zonewatch/kernels/morphology.hpp"

#include <stdexcept>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "zonewatch/kernels/change_typing.hpp"

namespace zw::kernels {

void open_change_mask(TileView<std::uint8_t> classes, int opening_radius) {
  if (opening_radius < 0) {
    throw std::invalid_argument("open_change_mask: opening radius must not be negative");
  }
  if (opening_radius == 0 || classes.empty()) return;

  constexpr std::uint8_t kMaskOn = 255;
  cv::Mat change_mask(classes.height, classes.width, CV_8UC1);
  for (int y = 0; y < classes.height; ++y) {
    const std::uint8_t* class_row = classes.row(y);
    auto* mask_row = change_mask.ptr<std::uint8_t>(y);
    for (int x = 0; x < classes.width; ++x) {
      mask_row[x] = is_change(class_row[x]) ? kMaskOn : std::uint8_t{0};
    }
  }

  const int side = 2 * opening_radius + 1;
  const cv::Mat element = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(side, side));
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

}  // namespace zw::kernels
