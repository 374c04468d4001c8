#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "oml/io/npy.h"

namespace oml {

// Principal-component fraction (spec §11.4) of the embeddings' rows `rows` (each once):
// for each ratio r, n_r / D where n_r = 1 + #{i : cumsum(explained variance ratio)_i <= r} over
// the min(n, D) largest components. nullopt for n < 2 or zero total variance.
// Eigenvalues of the D×D scatter matrix in double (= σ² of the centred data's SVD).
std::vector<std::optional<double>> principal_component_fraction(const Matrix& embeddings,
                                                                const std::vector<int64_t>& rows,
                                                                const std::vector<double>& ratios);

}  // namespace oml
