#include "oml/metrics/pcf.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "oml/metrics/symmetric_eigenvalues.h"

namespace oml {
namespace {

// A cumulative ratio within this of r counts as <= r: float rounding decides OML's own result
// at such boundaries (e.g. r = 1), so we resolve them towards "reached".
constexpr double kCumulativeTolerance = 1e-9;

}  // namespace

std::vector<std::optional<double>> principal_component_fraction(const Matrix& embeddings,
                                                                const std::vector<int64_t>& rows,
                                                                const std::vector<double>& ratios) {
  std::vector<std::optional<double>> out(ratios.size());
  const auto n = static_cast<int64_t>(rows.size());
  const auto dim = static_cast<int>(embeddings.cols);
  if (n < 2 || dim == 0) return out;
  std::vector<double> mean(static_cast<size_t>(dim), 0.0);
  for (int64_t r : rows) {
    const float* x = embeddings.row(r);
    for (int c = 0; c < dim; ++c) mean[static_cast<size_t>(c)] += x[c];
  }
  for (double& m : mean) m /= static_cast<double>(n);
  // Scatter matrix accumulated over row chunks: O(D²) memory whatever the number of rows.
  constexpr int64_t kChunk = 1024;
  std::vector<double> scatter(static_cast<size_t>(dim) * dim, 0.0);
  std::vector<double> chunk(static_cast<size_t>(kChunk) * dim);
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t count = std::min(kChunk, n - start);
    for (int64_t i = 0; i < count; ++i) {
      const float* x = embeddings.row(rows[static_cast<size_t>(start + i)]);
      double* out_row = chunk.data() + i * dim;
      for (int c = 0; c < dim; ++c) out_row[c] = static_cast<double>(x[c]) - mean[static_cast<size_t>(c)];
    }
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, dim, static_cast<int>(count), 1.0, chunk.data(), dim,
                1.0, scatter.data(), dim);
  }
  for (int i = 0; i < dim; ++i) {
    for (int j = 0; j < i; ++j)
      scatter[static_cast<size_t>(i) * dim + j] = scatter[static_cast<size_t>(j) * dim + i];
  }
  std::vector<double> eigenvalues = symmetric_eigenvalues(std::move(scatter), dim);
  // The SVD of an n×D matrix has min(n, D) singular values; keep as many components.
  eigenvalues.resize(static_cast<size_t>(std::min<int64_t>(n, dim)));
  double total = 0.0;
  for (double& v : eigenvalues) {
    v = std::max(v, 0.0);  // rounding can leave a null direction slightly negative
    total += v;
  }
  if (!(total > 0.0) || !std::isfinite(total)) return out;
  std::vector<double> cumulative(eigenvalues.size());
  double sum = 0.0;
  for (size_t i = 0; i < eigenvalues.size(); ++i) {
    sum += eigenvalues[i] / total;
    cumulative[i] = sum;
  }
  for (size_t i = 0; i < ratios.size(); ++i) {
    const auto reached =
        std::upper_bound(cumulative.begin(), cumulative.end(), ratios[i] + kCumulativeTolerance) -
        cumulative.begin();
    out[i] = static_cast<double>(reached + 1) / static_cast<double>(dim);
  }
  return out;
}

}  // namespace oml
