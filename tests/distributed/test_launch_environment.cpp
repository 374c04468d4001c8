#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "oml/common/errors.h"
#include "oml/distributed/launch_environment.h"

namespace oml::distributed {
namespace {

using ::testing::HasSubstr;

EnvironmentLookup fake(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

std::map<std::string, std::string> torchrun_standalone() {
  return {{"RANK", "1"},
          {"WORLD_SIZE", "2"},
          {"LOCAL_RANK", "1"},
          {"MASTER_ADDR", "localhost"},
          {"MASTER_PORT", "37535"},
          {"TORCHELASTIC_USE_AGENT_STORE", "False"},
          {"TORCHELASTIC_RESTART_COUNT", "0"}};
}

std::string error_for(std::map<std::string, std::string> values) {
  try {
    read_launch_environment(fake(std::move(values)));
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(LaunchEnvironment, AbsentWithoutTorchrunVariables) {
  EXPECT_FALSE(read_launch_environment(fake({{"LOCAL_RANK", "0"}, {"MASTER_PORT", "1"}})).has_value());
}

TEST(LaunchEnvironment, ReadsTorchrunStandaloneWorker) {
  const auto env = read_launch_environment(fake(torchrun_standalone()));
  ASSERT_TRUE(env.has_value());
  EXPECT_EQ(env->rank, 1);
  EXPECT_EQ(env->world_size, 2);
  EXPECT_EQ(env->local_rank, 1);
  EXPECT_EQ(env->master_addr, "localhost");
  EXPECT_EQ(env->master_port, 37535);
  EXPECT_FALSE(env->use_agent_store);
}

TEST(LaunchEnvironment, AgentStoreCarriesTheRestartCount) {
  auto values = torchrun_standalone();
  values["TORCHELASTIC_USE_AGENT_STORE"] = "True";
  values["TORCHELASTIC_RESTART_COUNT"] = "3";
  const auto env = read_launch_environment(fake(values));
  ASSERT_TRUE(env.has_value());
  EXPECT_TRUE(env->use_agent_store);
  EXPECT_EQ(env->restart_count, 3);
}

TEST(LaunchEnvironment, TimeoutDefaultsToPyTorchsAndIsReadInSeconds) {
  auto values = torchrun_standalone();
  const auto default_env = read_launch_environment(fake(values));
  ASSERT_TRUE(default_env.has_value());
  EXPECT_EQ(default_env->timeout, std::chrono::seconds(1800));
  values["OML_DIST_TIMEOUT"] = "45";
  const auto env = read_launch_environment(fake(values));
  ASSERT_TRUE(env.has_value());
  EXPECT_EQ(env->timeout, std::chrono::seconds(45));
  values["OML_DIST_TIMEOUT"] = "0";
  EXPECT_THAT(error_for(values), HasSubstr("OML_DIST_TIMEOUT='0'"));
  values["OML_DIST_TIMEOUT"] = "5m";
  EXPECT_THAT(error_for(values), HasSubstr("OML_DIST_TIMEOUT='5m'"));
}

TEST(LaunchEnvironment, ErrorsNameTheVariable) {
  auto missing = torchrun_standalone();
  missing.erase("MASTER_ADDR");
  EXPECT_THAT(error_for(missing), HasSubstr("MASTER_ADDR is not set"));

  auto rank_too_big = torchrun_standalone();
  rank_too_big["RANK"] = "2";
  EXPECT_THAT(error_for(rank_too_big), HasSubstr("RANK='2'"));

  auto bad_port = torchrun_standalone();
  bad_port["MASTER_PORT"] = "70000";
  EXPECT_THAT(error_for(bad_port), HasSubstr("MASTER_PORT='70000'"));

  auto text = torchrun_standalone();
  text["WORLD_SIZE"] = "two";
  EXPECT_THAT(error_for(text), HasSubstr("WORLD_SIZE='two'"));

  auto only_rank = std::map<std::string, std::string>{{"RANK", "0"}};
  EXPECT_THAT(error_for(only_rank), HasSubstr("WORLD_SIZE is not set"));
}

}  // namespace
}  // namespace oml::distributed
