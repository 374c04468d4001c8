#include "oml/training/training_state.h"

#include <fstream>
#include <vector>

#include "oml/common/atomic_file.h"
#include "oml/common/errors.h"

namespace oml::training {

void write_training_state(const std::string& path, const TrainingState& state) {
  nlohmann::ordered_json json;
  json["format"] = 1;
  json["epochs_done"] = state.epochs_done;
  json["best_epoch"] = state.best_epoch;
  json["best_score"] = state.best_score ? nlohmann::ordered_json(*state.best_score) : nullptr;
  json["options"] = state.fingerprint;
  json["history"] = state.history;
  write_file_atomically(path, [&](std::ostream& out) { out << json.dump(2) << "\n"; });
}

TrainingState read_training_state(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw InputError(
        path + ": no training state to resume from (train without --resume first, with the same --out)");
  }
  try {
    const auto json = nlohmann::ordered_json::parse(in);
    if (json.at("format").get<int>() != 1) throw InputError(path + ": unsupported training state format");
    TrainingState state;
    state.epochs_done = json.at("epochs_done").get<int64_t>();
    state.best_epoch = json.at("best_epoch").get<int64_t>();
    if (!json.at("best_score").is_null()) state.best_score = json.at("best_score").get<double>();
    state.fingerprint = json.at("options");
    state.history = json.at("history");
    return state;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": malformed training state: " + e.what());
  }
}

void require_same_fingerprint(const nlohmann::ordered_json& saved, const nlohmann::ordered_json& now,
                              const std::string& path) {
  std::vector<std::string> differences;
  for (const auto& [key, value] : now.items()) {
    if (!saved.contains(key)) {
      differences.push_back(key + ": not in the saved state");
    } else if (saved[key] != value) {
      differences.push_back(key + ": saved " + saved[key].dump() + ", now " + value.dump());
    }
  }
  // Options recorded only when they leave their default (so older states still resume).
  for (const auto& [key, value] : saved.items()) {
    if (!now.contains(key)) differences.push_back(key + ": saved " + value.dump() + ", now the default");
  }
  if (differences.empty()) return;
  std::string message = path + ": --resume needs the options of the interrupted run; these differ:";
  for (const auto& difference : differences) message += "\n  " + difference;
  throw InputError(message);
}

}  // namespace oml::training
