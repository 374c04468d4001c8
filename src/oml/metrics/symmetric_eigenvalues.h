#pragma once
#include <vector>

namespace oml {

// Eigenvalues of a symmetric n×n matrix (row-major, double), in descending order.
// Householder reduction to tridiagonal form, then Sturm-sequence bisection per eigenvalue:
// O(n³) + O(n²·60), robust, no iteration that can fail to converge. `matrix` is overwritten.
std::vector<double> symmetric_eigenvalues(std::vector<double> matrix, int n);

}  // namespace oml
