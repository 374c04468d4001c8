#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

// The JSON record `--resume` continues from (OUT.state.json). It is written last after each
// epoch, so it only ever names checkpoint files that are complete.
namespace oml::training {

struct TrainingState {
  int64_t epochs_done = 0;
  int64_t best_epoch = 0;  // 0 = no validated epoch yet
  std::optional<double> best_score;
  // Options that shape the trajectory; a resumed run must use the same ones.
  nlohmann::ordered_json fingerprint;
  nlohmann::ordered_json history = nlohmann::ordered_json::array();  // one object per epoch
};

void write_training_state(const std::string& path, const TrainingState& state);
// Throws InputError naming the file when it is missing or malformed.
TrainingState read_training_state(const std::string& path);

// InputError listing the fingerprint entries that differ ("--lr: saved 0.001, now 0.0005").
void require_same_fingerprint(const nlohmann::ordered_json& saved, const nlohmann::ordered_json& now,
                              const std::string& path);

}  // namespace oml::training
