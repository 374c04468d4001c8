#include "oml/training/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "oml/common/errors.h"

namespace oml::training {

LrScheduleKind parse_lr_schedule(const std::string& name, const std::string& option) {
  if (name == "none") return LrScheduleKind::kNone;
  if (name == "cosine") return LrScheduleKind::kCosine;
  if (name == "step") return LrScheduleKind::kStep;
  throw InputError(option + ": unknown schedule '" + name + "' (expected cosine, step or none)");
}

const char* lr_schedule_name(LrScheduleKind kind) {
  switch (kind) {
    case LrScheduleKind::kNone:
      return "none";
    case LrScheduleKind::kCosine:
      return "cosine";
    case LrScheduleKind::kStep:
      return "step";
  }
  return "?";
}

double learning_rate_at(const LrSchedule& schedule, int64_t step) {
  step = std::max<int64_t>(step, 0);
  if (step < schedule.warmup_steps) {
    // Step 0 already trains, so the ramp starts at base / warmup rather than at 0.
    return schedule.base_lr * static_cast<double>(step + 1) / static_cast<double>(schedule.warmup_steps);
  }
  switch (schedule.kind) {
    case LrScheduleKind::kNone:
      return schedule.base_lr;
    case LrScheduleKind::kCosine: {
      const int64_t span = std::max<int64_t>(schedule.total_steps - schedule.warmup_steps, 1);
      const double progress =
          std::min(1.0, static_cast<double>(step - schedule.warmup_steps) / static_cast<double>(span));
      return schedule.min_lr + 0.5 * (schedule.base_lr - schedule.min_lr) * (1.0 + std::cos(M_PI * progress));
    }
    case LrScheduleKind::kStep: {
      const int64_t epoch = step / std::max<int64_t>(schedule.steps_per_epoch, 1);
      const int64_t decays = epoch / std::max<int64_t>(schedule.step_epochs, 1);
      return schedule.base_lr * std::pow(schedule.gamma, static_cast<double>(decays));
    }
  }
  return schedule.base_lr;
}

}  // namespace oml::training
