#include "oml/cli/light/run_app.h"

#include <malloc.h>

#include <cstdio>
#include <exception>
#include <string>

#include "oml/common/errors.h"

namespace oml::cli {
namespace {

constexpr int kExitBadInput = 2;
constexpr int kExitInternal = 1;

void tune_allocator() {
  // Without a high mmap threshold glibc unmaps the large activation buffers after every forward
  // pass and the ViT runs slower than PyTorch-Python (measured; see design "Known pitfalls").
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
}

}  // namespace

int run_app(int argc, char** argv, void (*add_commands)(CLI::App& app)) {
  tune_allocator();
  CLI::App app{"oml.cpp: metric-learning image retrieval with re-ranking (OML semantics, in C++)", "oml"};
  app.set_version_flag("--version", std::string("oml.cpp ") + OML_VERSION);
  app.require_subcommand(1);
  add_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitBadInput;
  } catch (const oml::InputError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitBadInput;
  } catch (const oml::NotImplementedError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitBadInput;
  } catch (const oml::JobError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitInternal;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "internal error: %s\n", e.what());
    return kExitInternal;
  }
  return 0;
}

}  // namespace oml::cli
