#pragma once
// Relative radiometric normalization of the later date to the earlier one with
// pseudo-invariant pixels found by IR-MAD (iteratively reweighted multivariate alteration
// detection, Nielsen 2007; Canty & Nielsen 2008):
//
//   1. canonical correlation analysis of the before (X) and after (Y) band vectors on the
//      weighted covariance; the MAD variates a_k'X - b_k'Y, of variance 2(1 - rho_k), are
//      uncorrelated differences ordered from most to least change;
//   2. the sum of squared standardized MADs is chi-square with p (bands) degrees of freedom
//      for unchanged pixels; its survival function is each pixel's no-change probability,
//      which becomes its weight in the next covariance; repeat until rho settles;
//   3. pixels with no-change probability above a bound (0.95) are pseudo-invariant; per band,
//      an orthogonal (total least squares) line after = a + b * before through them gives
//      the gain 1/b and offset -a/b that map the after band onto the before band.
//
// Covariances are explicit accumulators (add, merge in a fixed order), so the fit does not
// depend on how samples were chunked or on thread count.
#include <cstdint>
#include <span>
#include <vector>

namespace zw::kernels {

/// Weighted count, mean and co-moment matrix of d-dimensional vectors (Welford's update,
/// Chan et al.'s pairwise merge), so partial accumulators merge exactly.
class CovarianceAccumulator {
 public:
  explicit CovarianceAccumulator(int dims = 0);

  void reset();
  /// Adds one vector of dims() values with a weight >= 0 (weight 0 adds nothing).
  void add(const double* x, double weight = 1.0);
  /// Throws std::invalid_argument when the dimensions differ.
  void merge(const CovarianceAccumulator& other);

  [[nodiscard]] int dims() const { return dims_; }
  [[nodiscard]] std::uint64_t count() const { return count_; }  // vectors with weight > 0
  [[nodiscard]] double weight_sum() const { return weight_; }
  [[nodiscard]] const std::vector<double>& mean() const { return mean_; }
  /// Weighted population covariance, row-major dims x dims; zeros when empty.
  [[nodiscard]] std::vector<double> covariance() const;

 private:
  int dims_ = 0;
  std::uint64_t count_ = 0;
  double weight_ = 0.0;
  std::vector<double> mean_;
  std::vector<double> comoment_;  // sum of w * (x - mean)(x - mean)', row-major
};

/// P(chi-square with `dof` degrees of freedom > x): the regularized upper incomplete gamma
/// function Q(dof / 2, x / 2). 1 for x <= 0.
[[nodiscard]] double chi_square_survival(double x, int dof);

/// Eigenvalues (ascending) and eigenvectors (columns of a row-major n x n matrix, in the same
/// order) of a symmetric matrix, by cyclic Jacobi rotations.
void symmetric_eigen(std::vector<double> matrix, int n, std::vector<double>& eigenvalues,
                     std::vector<double>& eigenvectors);

struct IrmadOptions {
  int max_iterations = 50;
  double tolerance = 1e-3;              // on the largest change of a canonical correlation
  double invariant_probability = 0.95;  // no-change probability of pseudo-invariant pixels
  std::size_t chunk = 65536;            // samples per partial accumulator (merge order)
};

struct IrmadResult {
  int bands = 0;
  int iterations = 0;
  bool converged = false;
  std::vector<double> canonical_correlations;  // rho_k, ascending (MAD 1 = most change)
  std::vector<double> mad_sigma;               // sqrt(2 (1 - rho_k))
  std::vector<float> no_change_probability;    // per sample, of the last iteration
};

/// IR-MAD over `samples` pixel pairs: `before` and `after` hold samples x bands values,
/// pixel-interleaved, all finite. Throws std::invalid_argument on size mismatch, fewer
/// samples than 2 * bands + 1, or a singular covariance (a constant band).
[[nodiscard]] IrmadResult irmad(std::span<const float> before, std::span<const float> after, int bands,
                                const IrmadOptions& options = {});

/// y = intercept + slope * x minimizing perpendicular distances (total least squares,
/// equal error variances) from a 2-D covariance accumulator of (x, y). Slope NaN when the
/// accumulator is empty or degenerate.
struct LineFit {
  double slope = 1.0;
  double intercept = 0.0;
};
[[nodiscard]] LineFit orthogonal_regression(const CovarianceAccumulator& xy);

/// Per band: after ≈ intercept + slope * before on the pseudo-invariant pixels, and the
/// gain/offset (1/slope, -intercept/slope) that map after onto before.
struct BandNormalization {
  LineFit fit;
  double gain = 1.0;
  double offset = 0.0;
};

struct RadiometricFit {
  IrmadResult irmad;
  std::uint64_t invariant_pixels = 0;
  std::vector<BandNormalization> bands;
};

/// IR-MAD, then the pseudo-invariant pixels, then an orthogonal regression per band.
[[nodiscard]] RadiometricFit fit_radiometric_normalization(std::span<const float> before, std::span<const float> after,
                                                           int bands, const IrmadOptions& options = {});

}  // namespace zw::kernels
