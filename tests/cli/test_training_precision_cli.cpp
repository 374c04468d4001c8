// --precision of the training commands: the values it accepts and the message for the others.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "retrieval_cli_helpers.h"

namespace oml::retrieval_cli {
namespace {

using ::testing::HasSubstr;

TEST(TrainingPrecisionCli, UnknownPrecisionIsABadArgument) {
  // Checked before any input is read: the paths need not exist.
  for (const std::string command :
       {"train-reranker --csv none.csv --embeddings none.npy --weights none.pth --out none_out.pth",
        "train-extractor --csv none.csv --out none_out.pth"}) {
    const auto result = run_oml(command + " --precision fp16");
    EXPECT_EQ(result.exit_code, 2) << command << "\n" << result.output;
    EXPECT_THAT(result.output, HasSubstr("--precision: expected fp32 or bf16, got 'fp16'")) << command;
  }
}

TEST(TrainingPrecisionCli, BothPrecisionsAreListedInTheHelp) {
  for (const std::string command : {"train-reranker", "train-extractor"}) {
    const auto result = run_oml(command + " --help");
    EXPECT_EQ(result.exit_code, 0) << command;
    EXPECT_THAT(result.output, HasSubstr("--precision")) << command;
    EXPECT_THAT(result.output, HasSubstr("fp32 or bf16")) << command;
  }
}

TEST(TrainingPrecisionCli, ValidPrecisionGetsAsFarAsReadingTheInput) {
  // fp32 and bf16 are accepted; the missing CSV is what fails.
  for (const std::string precision : {"fp32", "bf16"}) {
    const auto result =
        run_oml("train-extractor --csv does_not_exist.csv --out none_out.pth --precision " + precision);
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_THAT(result.output, HasSubstr("does_not_exist.csv"));
    EXPECT_THAT(result.output, ::testing::Not(HasSubstr("expected fp32 or bf16")));
  }
}

}  // namespace
}  // namespace oml::retrieval_cli
