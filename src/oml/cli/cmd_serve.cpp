// `oml serve`: the extractor, index and --post chain behind HTTP (docs/serve.md). Everything
// here is option parsing; the service is src/oml/serve.
#include <fmt/format.h>

#include <memory>

#include "oml/cli/commands.h"
#include "oml/cli/extractor_options.h"
#include "oml/cli/retrieval_inputs.h"
#include "oml/common/errors.h"
#include "oml/models/zoo.h"
#include "oml/serve/service.h"

namespace oml::cli {
namespace {

struct ServeOptions {
  ExtractorOptions extractor;
  serve::ServiceConfig config;
  int64_t max_wait_us = 2000;
};

void run_serve(ServeOptions& options) {
  serve::ServiceConfig& config = options.config;
  if (config.port < 0 || config.port > 65535) throw InputError("--port: expected 0..65535");
  if (config.max_body_bytes < 1) throw InputError("--max-body-bytes: expected a positive number");
  if (config.batching.max_batch < 1) throw InputError("--max-batch: expected a number >= 1");
  if (options.max_wait_us < 0) throw InputError("--max-wait-us: expected a number >= 0");
  config.batching.max_wait = std::chrono::microseconds(options.max_wait_us);
  configure_threads(config.index.threads);
  parse_postprocessor_specs(config.post);  // bad --post fails before any model loads
  check_transform_before_download(options.extractor);
  config.precision = parse_precision(options.extractor.precision);
  config.extractor = resolve_extractor_source(options.extractor.weights,
                                              requested_extractor_spec(options.extractor), zoo_cache_dir());
  config.transform = choose_transform(options.extractor, config.extractor.zoo_entry);
  serve::run_service(config);
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto options = std::make_shared<ServeOptions>();
  serve::ServiceConfig& config = options->config;
  auto* command = app.add_subcommand(
      "serve", "HTTP retrieval service: search by image or vector, re-ranking, live gallery (docs/serve.md)");
  command->add_option("--csv", config.csv, "OML-format CSV; its validation is_gallery rows are the gallery")
      ->required();
  command->add_option("--root", config.root, "Dataset root (default: the CSV's directory)");
  command->add_option("--embeddings", config.embeddings, "Embeddings .npy, one row per CSV row")->required();
  add_extractor_options(command, options->extractor);
  command->add_option("--post", config.post, "Postprocessor, applied in the order given (repeatable)");
  add_index_options(*command, config.index);
  command->add_option("--host", config.host, "Address to listen on")->capture_default_str();
  command->add_option("--port", config.port, "Port (0 = any free port, printed at start)")
      ->capture_default_str();
  command->add_option("--http-threads", config.http_threads, "Connections served at once")
      ->capture_default_str();
  command->add_option("--data-dir", config.data_dir,
                      "Directory for the gallery log and snapshot (default: changes are not kept)");
  command->add_option("--compact-every", config.compact_every, "Gallery log records between snapshots")
      ->capture_default_str();
  command->add_option("--max-body-bytes", config.max_body_bytes, "Largest request body accepted (413 above)")
      ->capture_default_str();
  command->add_option("--max-batch", config.batching.max_batch, "Most requests batched into one forward")
      ->capture_default_str();
  command
      ->add_option("--max-wait-us", options->max_wait_us,
                   "Longest wait for more requests to batch after the first, in microseconds")
      ->capture_default_str();
  add_max_image_pixels_option(command, config.image_limits);
  command->callback([options] { run_serve(*options); });
}

}  // namespace oml::cli
