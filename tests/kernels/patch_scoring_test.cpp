#include "zonewatch/kernels/patch_scoring.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {
namespace {

// Truth: '.' unchanged, 'C' change, '?' unlabelled.
Tile<std::uint8_t> truth_from_rows(const std::vector<std::string>& rows) {
  Tile<std::uint8_t> truth(static_cast<int>(rows.front().size()), static_cast<int>(rows.size()));
  for (int y = 0; y < truth.height(); ++y) {
    for (int x = 0; x < truth.width(); ++x) {
      const char c = rows[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)];
      truth(x, y) = c == 'C' ? kTruthChange : c == '?' ? kTruthUnlabelled : kTruthUnchanged;
    }
  }
  return truth;
}

// Detection: '.' no patch, '1'..'9' patch id.
Tile<std::uint32_t> ids_from_rows(const std::vector<std::string>& rows) {
  Tile<std::uint32_t> ids(static_cast<int>(rows.front().size()), static_cast<int>(rows.size()));
  for (int y = 0; y < ids.height(); ++y) {
    for (int x = 0; x < ids.width(); ++x) {
      const char c = rows[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)];
      ids(x, y) = c == '.' ? 0u : static_cast<std::uint32_t>(c - '0');
    }
  }
  return ids;
}

PatchCounts score(const std::vector<std::string>& truth, const std::vector<std::string>& detection) {
  const auto t = truth_from_rows(truth);
  const auto d = ids_from_rows(detection);
  return score_patches(t.view(), d.view());
}

PatchCounts counts(std::uint64_t detected, std::uint64_t scored, std::uint64_t hits, std::uint64_t objects,
                   std::uint64_t found) {
  return {detected, scored, hits, objects, found};
}

void expect_counts(const PatchCounts& actual, const PatchCounts& expected) {
  EXPECT_EQ(actual.detected_patches, expected.detected_patches);
  EXPECT_EQ(actual.scored_patches, expected.scored_patches);
  EXPECT_EQ(actual.hit_patches, expected.hit_patches);
  EXPECT_EQ(actual.truth_objects, expected.truth_objects);
  EXPECT_EQ(actual.found_objects, expected.found_objects);
}

TEST(PatchScoring, PatchOnAnObjectIsAHitAndFindsIt) {
  expect_counts(score({"CC..",  //
                       "CC..",  //
                       "...."},
                      {"11..",  //
                       "11..",  //
                       "...."}),
                counts(1, 1, 1, 1, 1));
}

TEST(PatchScoring, PatchOnUnchangedGroundIsAMissAndFindsNothing) {
  expect_counts(score({"CC....",  //
                       "CC...."},
                      {"....11",  //
                       "....11"}),
                counts(1, 1, 0, 1, 0));
}

TEST(PatchScoring, ExactlyHalfChangedIsAHitLessIsAMiss) {
  expect_counts(score({"CC.."}, {"1111"}), counts(1, 1, 1, 1, 1));    // 2 of 4
  expect_counts(score({"CC..."}, {"11111"}), counts(1, 1, 0, 1, 1));  // 2 of 5
  expect_counts(score({"C..."}, {"1111"}), counts(1, 1, 0, 1, 1));    // 1 of 4
}

TEST(PatchScoring, AQuarterOfAnObjectFindsItLessDoesNot) {
  expect_counts(score({"CCCCCCCC"}, {"11......"}), counts(1, 1, 1, 1, 1));  // 2 of 8
  expect_counts(score({"CCCCCCCC"}, {"1......."}), counts(1, 1, 1, 1, 0));  // 1 of 8
  // The quarter counts the object's pixels, not the patch's: a large patch over a small part.
  expect_counts(score({"CCCCCCCCC...."}, {"........11111"}), counts(1, 1, 0, 1, 0));
}

TEST(PatchScoring, ObjectSplitAcrossTwoPatches) {
  // 10 pixels, two patches of 2 each: together 4 >= 2.5, but neither alone -> not found.
  expect_counts(score({"CCCCCCCCCC"}, {"11....22.."}), counts(2, 2, 2, 1, 0));
  // One of the two covers 3 >= 2.5 -> found.
  expect_counts(score({"CCCCCCCCCC"}, {"111...22.."}), counts(2, 2, 2, 1, 1));
}

TEST(PatchScoring, SparseLabels) {
  // Truth objects are components of labelled change only; '?' separates them.
  expect_counts(score({"C?C?..",  //
                       "??????"},
                      {"111...",  //
                       "......"}),
                counts(1, 1, 1, 2, 2));
  // Patch 1: only unlabelled pixels -> detected but not scored.
  // Patch 2: one change, one unchanged, rest unlabelled -> hit.
  // Patch 3: unchanged only -> miss.  Patch 4: one change, two unchanged -> miss.
  expect_counts(score({"???.?C?.C.",  //
                       "???...????"},
                      {"11.222.444",  //
                       "...333.444"}),
                counts(4, 3, 1, 2, 2));
}

TEST(PatchScoring, EmptyDetection) {
  const PatchCounts c = score({"CC..", "..CC"}, {"....", "...."});
  expect_counts(c, counts(0, 0, 0, 1, 0));  // diagonal neighbours: one object
  EXPECT_EQ(c.precision(), 0.0);
  EXPECT_EQ(c.recall(), 0.0);
  EXPECT_EQ(c.f1(), 0.0);
}

TEST(PatchScoring, EmptyTruth) {
  const PatchCounts c = score({"....", "...."}, {"1..2", "1..."});
  expect_counts(c, counts(2, 2, 0, 0, 0));
  EXPECT_EQ(c.precision(), 0.0);
  EXPECT_EQ(c.recall(), 0.0);
}

TEST(PatchScoring, SparseIdsAreCountedOnce) {
  Tile<std::uint8_t> truth = truth_from_rows({"CC.C"});
  Tile<std::uint32_t> ids(4, 1);
  ids(0, 0) = 70000;
  ids(1, 0) = 70000;
  ids(3, 0) = 4000000000u;
  expect_counts(score_patches(truth.view(), ids.view()), counts(2, 2, 2, 2, 2));
}

TEST(PatchScoring, ChangeMaskIsLabelledEightConnected) {
  const auto truth = truth_from_rows({"C...",  //
                                      ".C..",  //
                                      "...."});
  Tile<std::uint8_t> changed(4, 3);
  changed(0, 0) = 1;
  changed(1, 1) = 7;  // diagonal neighbour: same patch
  changed(3, 2) = 1;  // a second patch, on unchanged ground
  expect_counts(score_change_mask(truth.view(), changed.view()), counts(2, 2, 1, 1, 1));
}

TEST(PatchScoring, RatiosAndMerge) {
  PatchCounts a = counts(4, 4, 3, 2, 1);
  const PatchCounts b = counts(2, 1, 0, 2, 1);
  EXPECT_DOUBLE_EQ(a.precision(), 0.75);
  EXPECT_DOUBLE_EQ(a.recall(), 0.5);
  EXPECT_DOUBLE_EQ(a.f1(), 0.6);
  a.merge(b);
  expect_counts(a, counts(6, 5, 3, 4, 2));
  EXPECT_DOUBLE_EQ(a.precision(), 0.6);
  EXPECT_DOUBLE_EQ(a.recall(), 0.5);
  EXPECT_DOUBLE_EQ(a.f1(), 2 * 0.6 * 0.5 / 1.1);
}

TEST(PatchScoring, SizesMustAgree) {
  const Tile<std::uint8_t> truth(3, 2);
  const Tile<std::uint32_t> ids(2, 3);
  const Tile<std::uint8_t> mask(3, 3);
  EXPECT_THROW((void)score_patches(truth.view(), ids.view()), std::invalid_argument);
  EXPECT_THROW((void)score_change_mask(truth.view(), mask.view()), std::invalid_argument);
}

}  // namespace
}  // namespace zw::kernels
