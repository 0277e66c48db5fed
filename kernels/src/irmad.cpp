#include "zonewatch/kernels/irmad.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace zw::kernels {

// ---------------------------------------------------------------------------------------
// CovarianceAccumulator

CovarianceAccumulator::CovarianceAccumulator(int dims)
    : dims_(std::max(dims, 0)),
      mean_(static_cast<std::size_t>(dims_), 0.0),
      comoment_(static_cast<std::size_t>(dims_) * static_cast<std::size_t>(dims_), 0.0) {}

void CovarianceAccumulator::reset() {
  count_ = 0;
  weight_ = 0.0;
  std::fill(mean_.begin(), mean_.end(), 0.0);
  std::fill(comoment_.begin(), comoment_.end(), 0.0);
}

void CovarianceAccumulator::add(const double* x, double weight) {
  if (!(weight > 0.0)) return;
  ++count_;
  const double total = weight_ + weight;
  const double factor = weight * weight_ / total;  // w * W_old / W_new
  const int d = dims_;
  // Upper triangle only; covariance() mirrors it.
  for (int i = 0; i < d; ++i) {
    const double di = x[i] - mean_[i];
    double* row = comoment_.data() + static_cast<std::size_t>(i) * d;
    for (int j = i; j < d; ++j) row[j] += factor * di * (x[j] - mean_[j]);
  }
  for (int i = 0; i < d; ++i) mean_[i] += (x[i] - mean_[i]) * weight / total;
  weight_ = total;
}

void CovarianceAccumulator::merge(const CovarianceAccumulator& other) {
  if (other.dims_ != dims_) throw std::invalid_argument("CovarianceAccumulator::merge: dimensions differ");
  if (other.weight_ <= 0.0) return;
  if (weight_ <= 0.0) {
    *this = other;
    return;
  }
  const double total = weight_ + other.weight_;
  const double factor = weight_ * other.weight_ / total;
  const int d = dims_;
  for (int i = 0; i < d; ++i) {
    const double di = other.mean_[i] - mean_[i];
    for (int j = i; j < d; ++j) {
      const std::size_t k = static_cast<std::size_t>(i) * d + j;
      comoment_[k] += other.comoment_[k] + factor * di * (other.mean_[j] - mean_[j]);
    }
  }
  for (int i = 0; i < d; ++i) mean_[i] += (other.mean_[i] - mean_[i]) * other.weight_ / total;
  weight_ = total;
  count_ += other.count_;
}

std::vector<double> CovarianceAccumulator::covariance() const {
  const int d = dims_;
  std::vector<double> c(static_cast<std::size_t>(d) * d, 0.0);
  if (weight_ <= 0.0) return c;
  for (int i = 0; i < d; ++i) {
    for (int j = i; j < d; ++j) {
      const double v = comoment_[static_cast<std::size_t>(i) * d + j] / weight_;
      c[static_cast<std::size_t>(i) * d + j] = v;
      c[static_cast<std::size_t>(j) * d + i] = v;
    }
  }
  return c;
}

// ---------------------------------------------------------------------------------------
// Chi-square survival: regularized upper incomplete gamma (series / continued fraction)

namespace {

double gamma_p_series(double a, double x) {
  double term = 1.0 / a, sum = term;
  for (int n = 1; n < 1000; ++n) {
    term *= x / (a + n);
    sum += term;
    if (std::abs(term) < std::abs(sum) * 1e-15) break;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

double gamma_q_fraction(double a, double x) {
  constexpr double kTiny = 1e-300;
  double b = x + 1.0 - a, c = 1.0 / kTiny, d = 1.0 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::abs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::abs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1.0) < 1e-15) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

}  // namespace

double chi_square_survival(double x, int dof) {
  if (dof <= 0) throw std::invalid_argument("chi_square_survival: dof must be positive");
  if (std::isnan(x)) return std::numeric_limits<double>::quiet_NaN();
  if (x <= 0.0) return 1.0;
  const double a = 0.5 * dof, half = 0.5 * x;
  if (half < a + 1.0) return std::clamp(1.0 - gamma_p_series(a, half), 0.0, 1.0);
  return std::clamp(gamma_q_fraction(a, half), 0.0, 1.0);
}

// ---------------------------------------------------------------------------------------
// Small dense linear algebra (p <= a dozen bands)

void symmetric_eigen(std::vector<double> a, int n, std::vector<double>& eigenvalues,
                     std::vector<double>& eigenvectors) {
  const auto at = [n](int r, int c) { return static_cast<std::size_t>(r) * n + c; };
  std::vector<double> v(static_cast<std::size_t>(n) * n, 0.0);
  for (int i = 0; i < n; ++i) v[at(i, i)] = 1.0;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0.0;
    for (int p = 0; p < n; ++p)
      for (int q = p + 1; q < n; ++q) off += a[at(p, q)] * a[at(p, q)];
    if (off < 1e-30) break;
    for (int p = 0; p < n; ++p) {
      for (int q = p + 1; q < n; ++q) {
        const double apq = a[at(p, q)];
        if (std::abs(apq) < 1e-300) continue;
        const double theta = (a[at(q, q)] - a[at(p, p)]) / (2.0 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (int k = 0; k < n; ++k) {  // A <- A J
          const double akp = a[at(k, p)], akq = a[at(k, q)];
          a[at(k, p)] = c * akp - s * akq;
          a[at(k, q)] = s * akp + c * akq;
        }
        for (int k = 0; k < n; ++k) {  // A <- J' A
          const double apk = a[at(p, k)], aqk = a[at(q, k)];
          a[at(p, k)] = c * apk - s * aqk;
          a[at(q, k)] = s * apk + c * aqk;
        }
        for (int k = 0; k < n; ++k) {  // V <- V J
          const double vkp = v[at(k, p)], vkq = v[at(k, q)];
          v[at(k, p)] = c * vkp - s * vkq;
          v[at(k, q)] = s * vkp + c * vkq;
        }
      }
    }
  }
  std::vector<int> order(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return a[at(x, x)] < a[at(y, y)]; });
  eigenvalues.assign(static_cast<std::size_t>(n), 0.0);
  eigenvectors.assign(static_cast<std::size_t>(n) * n, 0.0);
  for (int k = 0; k < n; ++k) {
    eigenvalues[k] = a[at(order[k], order[k])];
    for (int r = 0; r < n; ++r) eigenvectors[at(r, k)] = v[at(r, order[k])];
  }
}

namespace {

/// Lower-triangular L with L L' = A (row-major n x n); false when A is not positive definite.
bool cholesky(const std::vector<double>& a, int n, std::vector<double>& l) {
  const auto at = [n](int r, int c) { return static_cast<std::size_t>(r) * n + c; };
  l.assign(static_cast<std::size_t>(n) * n, 0.0);
  double scale = 0.0;
  for (int i = 0; i < n; ++i) scale = std::max(scale, std::abs(a[at(i, i)]));
  for (int j = 0; j < n; ++j) {
    double d = a[at(j, j)];
    for (int k = 0; k < j; ++k) d -= l[at(j, k)] * l[at(j, k)];
    if (!(d > 1e-12 * scale) || !(scale > 0.0)) return false;
    l[at(j, j)] = std::sqrt(d);
    for (int i = j + 1; i < n; ++i) {
      double s = a[at(i, j)];
      for (int k = 0; k < j; ++k) s -= l[at(i, k)] * l[at(j, k)];
      l[at(i, j)] = s / l[at(j, j)];
    }
  }
  return true;
}

/// Solves L y = b (forward) in place for each column of the n x m matrix B.
void forward_solve(const std::vector<double>& l, int n, std::vector<double>& b, int m) {
  for (int c = 0; c < m; ++c) {
    for (int i = 0; i < n; ++i) {
      double s = b[static_cast<std::size_t>(i) * m + c];
      for (int k = 0; k < i; ++k) s -= l[static_cast<std::size_t>(i) * n + k] * b[static_cast<std::size_t>(k) * m + c];
      b[static_cast<std::size_t>(i) * m + c] = s / l[static_cast<std::size_t>(i) * n + i];
    }
  }
}

/// Solves L' x = b (backward) in place for each column of the n x m matrix B.
void backward_solve(const std::vector<double>& l, int n, std::vector<double>& b, int m) {
  for (int c = 0; c < m; ++c) {
    for (int i = n - 1; i >= 0; --i) {
      double s = b[static_cast<std::size_t>(i) * m + c];
      for (int k = i + 1; k < n; ++k)
        s -= l[static_cast<std::size_t>(k) * n + i] * b[static_cast<std::size_t>(k) * m + c];
      b[static_cast<std::size_t>(i) * m + c] = s / l[static_cast<std::size_t>(i) * n + i];
    }
  }
}

struct CanonicalVectors {
  std::vector<double> rho;   // ascending
  std::vector<double> a, b;  // p x p row-major, column k = vector k
};

/// Canonical correlation analysis of the 2p x 2p covariance of (X, Y).
CanonicalVectors canonical_correlation(const std::vector<double>& s, int p) {
  const int d = 2 * p;
  const auto block = [&](int r0, int c0) {
    std::vector<double> m(static_cast<std::size_t>(p) * p);
    for (int r = 0; r < p; ++r)
      for (int c = 0; c < p; ++c)
        m[static_cast<std::size_t>(r) * p + c] = s[static_cast<std::size_t>(r0 + r) * d + c0 + c];
    return m;
  };
  const std::vector<double> sxx = block(0, 0), syy = block(p, p), sxy = block(0, p), syx = block(p, 0);
  std::vector<double> lx, ly;
  if (!cholesky(sxx, p, lx) || !cholesky(syy, p, ly)) {
    throw std::invalid_argument("irmad: singular band covariance (a band is constant over the sample)");
  }
  // W = Syy^-1 Syx (p x p).
  std::vector<double> w = syx;
  forward_solve(ly, p, w, p);
  backward_solve(ly, p, w, p);
  // K = Sxy W (symmetric: Sxy Syy^-1 Syx); M = Lx^-1 K Lx^-T.
  std::vector<double> k(static_cast<std::size_t>(p) * p, 0.0);
  for (int r = 0; r < p; ++r)
    for (int c = 0; c < p; ++c)
      for (int i = 0; i < p; ++i)
        k[static_cast<std::size_t>(r) * p + c] +=
            sxy[static_cast<std::size_t>(r) * p + i] * w[static_cast<std::size_t>(i) * p + c];
  forward_solve(lx, p, k, p);  // Lx^-1 K
  std::vector<double> kt(static_cast<std::size_t>(p) * p);
  for (int r = 0; r < p; ++r)
    for (int c = 0; c < p; ++c) kt[static_cast<std::size_t>(c) * p + r] = k[static_cast<std::size_t>(r) * p + c];
  forward_solve(lx, p, kt, p);  // Lx^-1 (Lx^-1 K)'  = (Lx^-1 K Lx^-T)'
  std::vector<double> m(static_cast<std::size_t>(p) * p);
  for (int r = 0; r < p; ++r)
    for (int c = 0; c < p; ++c) {
      const double v = 0.5 * (kt[static_cast<std::size_t>(r) * p + c] + kt[static_cast<std::size_t>(c) * p + r]);
      m[static_cast<std::size_t>(r) * p + c] = v;
    }
  std::vector<double> lambda, u;
  symmetric_eigen(m, p, lambda, u);
  CanonicalVectors cv;
  cv.rho.resize(static_cast<std::size_t>(p));
  cv.a = u;
  backward_solve(lx, p, cv.a, p);  // a = Lx^-T u, so a' Sxx a = 1
  cv.b.assign(static_cast<std::size_t>(p) * p, 0.0);
  for (int c = 0; c < p; ++c) {
    const double rho = std::sqrt(std::clamp(lambda[c], 0.0, 1.0));
    cv.rho[c] = rho;
    for (int r = 0; r < p; ++r) {
      double v = 0.0;
      for (int i = 0; i < p; ++i)
        v += w[static_cast<std::size_t>(r) * p + i] * cv.a[static_cast<std::size_t>(i) * p + c];
      cv.b[static_cast<std::size_t>(r) * p + c] = rho > 1e-12 ? v / rho : 0.0;
    }
  }
  return cv;
}

}  // namespace

IrmadResult irmad(std::span<const float> before, std::span<const float> after, int bands, const IrmadOptions& options) {
  if (bands <= 0 || before.size() != after.size() || before.size() % static_cast<std::size_t>(bands) != 0) {
    throw std::invalid_argument("irmad: before and after must hold the same number of samples x bands values");
  }
  const int p = bands, d = 2 * bands;
  const std::size_t n = before.size() / static_cast<std::size_t>(p);
  if (n < static_cast<std::size_t>(d + 1)) throw std::invalid_argument("irmad: too few samples");
  const std::size_t chunk = std::max<std::size_t>(options.chunk, 1);

  IrmadResult result;
  result.bands = p;
  result.no_change_probability.assign(n, 1.0f);
  std::vector<double> previous(static_cast<std::size_t>(p), -1.0);
  std::vector<double> z(static_cast<std::size_t>(d));
  for (int iteration = 1; iteration <= std::max(1, options.max_iterations); ++iteration) {
    CovarianceAccumulator total(d);
    for (std::size_t start = 0; start < n; start += chunk) {
      CovarianceAccumulator part(d);
      for (std::size_t i = start; i < std::min(n, start + chunk); ++i) {
        for (int j = 0; j < p; ++j) {
          z[j] = before[i * p + j];
          z[p + j] = after[i * p + j];
        }
        part.add(z.data(), result.no_change_probability[i]);
      }
      total.merge(part);
    }
    const CanonicalVectors cv = canonical_correlation(total.covariance(), p);
    const std::vector<double>& mean = total.mean();
    std::vector<double> inv_sigma(static_cast<std::size_t>(p));
    result.mad_sigma.assign(static_cast<std::size_t>(p), 0.0);
    for (int k = 0; k < p; ++k) {
      result.mad_sigma[k] = std::sqrt(std::max(2.0 * (1.0 - cv.rho[k]), 1e-12));
      inv_sigma[k] = 1.0 / result.mad_sigma[k];
    }
    for (std::size_t i = 0; i < n; ++i) {
      double chi2 = 0.0;
      for (int k = 0; k < p; ++k) {
        double mad = 0.0;
        for (int j = 0; j < p; ++j) {
          mad += cv.a[static_cast<std::size_t>(j) * p + k] * (before[i * p + j] - mean[j]) -
                 cv.b[static_cast<std::size_t>(j) * p + k] * (after[i * p + j] - mean[p + j]);
        }
        const double zk = mad * inv_sigma[k];
        chi2 += zk * zk;
      }
      result.no_change_probability[i] = static_cast<float>(chi_square_survival(chi2, p));
    }
    double change = 0.0;
    for (int k = 0; k < p; ++k) change = std::max(change, std::abs(cv.rho[k] - previous[k]));
    previous = cv.rho;
    result.canonical_correlations = cv.rho;
    result.iterations = iteration;
    if (change < options.tolerance) {
      result.converged = true;
      break;
    }
  }
  return result;
}

LineFit orthogonal_regression(const CovarianceAccumulator& xy) {
  LineFit fit;
  if (xy.dims() != 2 || xy.count() < 2) {
    fit.slope = fit.intercept = std::numeric_limits<double>::quiet_NaN();
    return fit;
  }
  const std::vector<double> c = xy.covariance();
  const double sxx = c[0], sxy = c[1], syy = c[3];
  if (!(std::abs(sxy) > 1e-300)) {
    fit.slope = fit.intercept = std::numeric_limits<double>::quiet_NaN();
    return fit;
  }
  const double diff = syy - sxx;
  fit.slope = (diff + std::sqrt(diff * diff + 4.0 * sxy * sxy)) / (2.0 * sxy);
  fit.intercept = xy.mean()[1] - fit.slope * xy.mean()[0];
  return fit;
}

RadiometricFit fit_radiometric_normalization(std::span<const float> before, std::span<const float> after, int bands,
                                             const IrmadOptions& options) {
  RadiometricFit fit;
  fit.irmad = irmad(before, after, bands, options);
  const std::size_t n = fit.irmad.no_change_probability.size();
  std::vector<CovarianceAccumulator> lines(static_cast<std::size_t>(bands), CovarianceAccumulator(2));
  for (std::size_t i = 0; i < n; ++i) {
    if (!(fit.irmad.no_change_probability[i] > options.invariant_probability)) continue;
    ++fit.invariant_pixels;
    for (int b = 0; b < bands; ++b) {
      const double pair[2] = {before[i * bands + b], after[i * bands + b]};
      lines[b].add(pair);
    }
  }
  fit.bands.resize(static_cast<std::size_t>(bands));
  for (int b = 0; b < bands; ++b) {
    BandNormalization& band = fit.bands[b];
    band.fit = orthogonal_regression(lines[b]);
    if (std::isfinite(band.fit.slope) && band.fit.slope > 0.0) {
      band.gain = 1.0 / band.fit.slope;
      band.offset = -band.fit.intercept / band.fit.slope;
    }
  }
  return fit;
}

}  // namespace zw::kernels
