#pragma once
#include <cstdint>
#include <string>

// Learning rate as a pure function of the optimisation step, so a resumed run gets exactly the
// rate an uninterrupted one would have had.
namespace oml::training {

enum class LrScheduleKind {
  kNone,    // constant base rate
  kCosine,  // half cosine from the base rate to min_lr over the steps after warm-up
  kStep,    // base rate times gamma^(epoch / step_epochs)
};

LrScheduleKind parse_lr_schedule(const std::string& name, const std::string& option = "--schedule");
const char* lr_schedule_name(LrScheduleKind kind);

struct LrSchedule {
  LrScheduleKind kind = LrScheduleKind::kCosine;
  double base_lr = 1e-3;
  double min_lr = 0.0;
  int64_t warmup_steps = 0;  // linear ramp from base_lr / warmup_steps up to base_lr
  int64_t total_steps = 1;   // steps of the whole run (all epochs)
  int64_t steps_per_epoch = 1;
  int64_t step_epochs = 10;  // kStep only
  double gamma = 0.1;        // kStep only
};

// The rate for 0-based `step` (steps past total_steps keep the final rate).
double learning_rate_at(const LrSchedule& schedule, int64_t step);

}  // namespace oml::training
