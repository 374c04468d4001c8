#pragma once
#include <vector>

namespace oml {

// Eigenvalues of a symmetric n×n matrix (row-major, double), in descending order.
// LAPACK dsyevd (eigenvalues only): O(n³) in blocked BLAS; throws if it fails to converge.
std::vector<double> symmetric_eigenvalues(std::vector<double> matrix, int n);

}  // namespace oml
