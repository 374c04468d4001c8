#include "oml/metrics/symmetric_eigenvalues.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace oml {
namespace {

// Reduces A to tridiagonal T = QᵀAQ (same eigenvalues): diagonal d, sub-diagonal e (size n−1).
void tridiagonalize(std::vector<double>& a, int n, std::vector<double>& d, std::vector<double>& e) {
  auto at = [&](int r, int c) -> double& { return a[static_cast<size_t>(r) * n + c]; };
  d.assign(static_cast<size_t>(n), 0.0);
  e.assign(static_cast<size_t>(std::max(n - 1, 0)), 0.0);
  std::vector<double> v(static_cast<size_t>(n)), p(static_cast<size_t>(n));
  for (int k = 0; k + 2 < n; ++k) {
    // Householder vector for column k below the diagonal: maps x to alpha·e₁.
    double norm = 0.0;
    for (int i = k + 1; i < n; ++i) norm += at(i, k) * at(i, k);
    norm = std::sqrt(norm);
    d[static_cast<size_t>(k)] = at(k, k);
    if (norm == 0.0) {
      e[static_cast<size_t>(k)] = 0.0;
      continue;
    }
    const double x0 = at(k + 1, k);
    const double alpha = x0 > 0 ? -norm : norm;
    double vnorm = 0.0;
    for (int i = k + 1; i < n; ++i) {
      v[static_cast<size_t>(i)] = at(i, k) - (i == k + 1 ? alpha : 0.0);
      vnorm += v[static_cast<size_t>(i)] * v[static_cast<size_t>(i)];
    }
    vnorm = std::sqrt(vnorm);
    e[static_cast<size_t>(k)] = alpha;
    if (vnorm == 0.0) continue;
    for (int i = k + 1; i < n; ++i) v[static_cast<size_t>(i)] /= vnorm;
    // H A H with H = I − 2vvᵀ equals A − 2vwᵀ − 2wvᵀ, w = Av − (vᵀAv)v.
    double vp = 0.0;
    for (int i = k + 1; i < n; ++i) {
      double sum = 0.0;
      for (int j = k + 1; j < n; ++j) sum += at(i, j) * v[static_cast<size_t>(j)];
      p[static_cast<size_t>(i)] = sum;
      vp += v[static_cast<size_t>(i)] * sum;
    }
    for (int i = k + 1; i < n; ++i) p[static_cast<size_t>(i)] -= vp * v[static_cast<size_t>(i)];
    for (int i = k + 1; i < n; ++i) {
      const double vi = v[static_cast<size_t>(i)];
      const double wi = p[static_cast<size_t>(i)];
      for (int j = k + 1; j < n; ++j) {
        at(i, j) -= 2.0 * (vi * p[static_cast<size_t>(j)] + wi * v[static_cast<size_t>(j)]);
      }
    }
  }
  if (n >= 2) {
    d[static_cast<size_t>(n - 2)] = at(n - 2, n - 2);
    e[static_cast<size_t>(n - 2)] = at(n - 1, n - 2);
  }
  if (n >= 1) d[static_cast<size_t>(n - 1)] = at(n - 1, n - 1);
}

// Number of eigenvalues of the tridiagonal matrix smaller than x (Sylvester's law of inertia on
// the LDLᵀ pivots of T − xI).
int count_below(const std::vector<double>& d, const std::vector<double>& e, double x) {
  const double tiny = std::numeric_limits<double>::min();
  int count = 0;
  double pivot = 1.0;
  for (size_t i = 0; i < d.size(); ++i) {
    const double off = i == 0 ? 0.0 : e[i - 1] * e[i - 1] / pivot;
    pivot = d[i] - x - off;
    if (pivot == 0.0) pivot = -tiny;
    if (pivot < 0.0) ++count;
  }
  return count;
}

}  // namespace

std::vector<double> symmetric_eigenvalues(std::vector<double> matrix, int n) {
  std::vector<double> d, e;
  tridiagonalize(matrix, n, d, e);
  // Gershgorin interval holding every eigenvalue.
  double lower = std::numeric_limits<double>::infinity();
  double upper = -lower;
  for (int i = 0; i < n; ++i) {
    const double radius = (i > 0 ? std::abs(e[static_cast<size_t>(i - 1)]) : 0.0) +
                          (i + 1 < n ? std::abs(e[static_cast<size_t>(i)]) : 0.0);
    lower = std::min(lower, d[static_cast<size_t>(i)] - radius);
    upper = std::max(upper, d[static_cast<size_t>(i)] + radius);
  }
  std::vector<double> values(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    // The i-th smallest: the smallest x with count_below(x) > i.
    double lo = lower;
    double hi = upper;
    for (int iteration = 0; iteration < 200; ++iteration) {
      const double mid = 0.5 * (lo + hi);
      if (mid <= lo || mid >= hi) break;  // interval at double resolution
      if (count_below(d, e, mid) > i) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    values[static_cast<size_t>(i)] = 0.5 * (lo + hi);
  }
  std::sort(values.begin(), values.end(), std::greater<double>());
  return values;
}

}  // namespace oml
