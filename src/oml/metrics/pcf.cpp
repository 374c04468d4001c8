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

constexpr int64_t kChunk = 1024;

// Rows [start, start + count) of `rows`, centred, as doubles (count × D, row-major).
void centred_chunk(const Matrix& embeddings, const std::vector<int64_t>& rows,
                   const std::vector<double>& mean, int64_t start, int64_t count, std::vector<double>& out) {
  const auto dim = static_cast<int64_t>(mean.size());
  out.resize(static_cast<size_t>(count * dim));
  for (int64_t i = 0; i < count; ++i) {
    const float* x = embeddings.row(rows[static_cast<size_t>(start + i)]);
    double* out_row = out.data() + i * dim;
    for (int64_t c = 0; c < dim; ++c) out_row[c] = static_cast<double>(x[c]) - mean[static_cast<size_t>(c)];
  }
}

// Upper triangle of XᵀX (D×D), accumulated over row chunks: O(D²) memory whatever n is.
std::vector<double> centred_scatter(const Matrix& embeddings, const std::vector<int64_t>& rows,
                                    const std::vector<double>& mean) {
  const auto n = static_cast<int64_t>(rows.size());
  const auto dim = static_cast<int>(mean.size());
  std::vector<double> scatter(static_cast<size_t>(dim) * dim, 0.0);
  std::vector<double> chunk;
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t count = std::min(kChunk, n - start);
    centred_chunk(embeddings, rows, mean, start, count, chunk);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, dim, static_cast<int>(count), 1.0, chunk.data(), dim,
                1.0, scatter.data(), dim);
  }
  return scatter;
}

// Upper triangle (block-wise) of XXᵀ (n×n), one pair of row chunks at a time.
std::vector<double> centred_gram(const Matrix& embeddings, const std::vector<int64_t>& rows,
                                 const std::vector<double>& mean) {
  const auto n = static_cast<int64_t>(rows.size());
  const auto dim = static_cast<int>(mean.size());
  std::vector<double> gram(static_cast<size_t>(n * n), 0.0);
  std::vector<double> left, right;
  for (int64_t a = 0; a < n; a += kChunk) {
    const int64_t rows_a = std::min(kChunk, n - a);
    centred_chunk(embeddings, rows, mean, a, rows_a, left);
    for (int64_t b = a; b < n; b += kChunk) {
      const int64_t rows_b = std::min(kChunk, n - b);
      centred_chunk(embeddings, rows, mean, b, rows_b, right);
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows_a), static_cast<int>(rows_b),
                  dim, 1.0, left.data(), dim, right.data(), dim, 0.0, gram.data() + a * n + b,
                  static_cast<int>(n));
    }
  }
  return gram;
}

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
  // XᵀX (D×D) and XXᵀ (n×n) of the centred rows share their non-zero eigenvalues: decompose the
  // smaller one (raw-pixel embeddings have D in the ten thousands, O(D³) would take half an hour).
  const int side = static_cast<int>(std::min<int64_t>(n, dim));
  std::vector<double> scatter =
      n < dim ? centred_gram(embeddings, rows, mean) : centred_scatter(embeddings, rows, mean);
  for (int i = 0; i < side; ++i) {
    for (int j = 0; j < i; ++j)
      scatter[static_cast<size_t>(i) * side + j] = scatter[static_cast<size_t>(j) * side + i];
  }
  std::vector<double> eigenvalues = symmetric_eigenvalues(std::move(scatter), side);
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
