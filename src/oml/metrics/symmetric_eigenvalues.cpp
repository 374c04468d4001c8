#include "oml/metrics/symmetric_eigenvalues.h"

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>

// LAPACK's symmetric eigensolver (liblapack.so.3, OpenBLAS's on this machine: blocked Householder
// reduction, BLAS-3 where it can, then a root-free QR for the eigenvalues).
extern "C" void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda,
                        double* w, double* work, const int* lwork, int* iwork, const int* liwork, int* info);

namespace oml {

std::vector<double> symmetric_eigenvalues(std::vector<double> matrix, int n) {
  if (n <= 0) return {};
  if (matrix.size() != static_cast<size_t>(n) * static_cast<size_t>(n))
    throw std::invalid_argument("symmetric_eigenvalues: matrix is not n x n");
  std::vector<double> values(static_cast<size_t>(n));
  // Row-major A is column-major Aᵀ = A: either triangle reads the same matrix.
  const char jobz = 'N';
  const char uplo = 'U';
  int info = 0;
  int lwork = -1;
  int liwork = -1;
  double work_size = 0.0;
  int iwork_size = 0;
  dsyevd_(&jobz, &uplo, &n, matrix.data(), &n, values.data(), &work_size, &lwork, &iwork_size, &liwork,
          &info);
  if (info != 0)
    throw std::runtime_error("LAPACK dsyevd workspace query failed: info " + std::to_string(info));
  lwork = static_cast<int>(work_size);
  liwork = std::max(iwork_size, 1);
  std::vector<double> work(static_cast<size_t>(std::max(lwork, 1)));
  std::vector<int> iwork(static_cast<size_t>(liwork));
  dsyevd_(&jobz, &uplo, &n, matrix.data(), &n, values.data(), work.data(), &lwork, iwork.data(), &liwork,
          &info);
  if (info != 0) throw std::runtime_error("LAPACK dsyevd did not converge: info " + std::to_string(info));
  std::sort(values.begin(), values.end(), std::greater<double>());
  return values;
}

}  // namespace oml
