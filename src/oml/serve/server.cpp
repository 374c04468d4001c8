// run_service (service.h): start-up, the HTTP server and its orderly shutdown.
#include <fmt/format.h>
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <thread>

#include "oml/common/errors.h"
#include "oml/data/dataframe.h"
#include "oml/io/npy.h"
#include "oml/postprocessing/pipeline.h"
#include "oml/serve/http_api.h"
#include "oml/serve/service.h"

namespace oml::serve {
namespace {

Gallery load_gallery(const ServiceConfig& config) {
  Dataframe df = read_dataframe(config.csv, config.root);
  for (const std::string& warning : df.warnings) std::fprintf(stderr, "%s\n", warning.c_str());
  const Matrix embeddings = read_npy(config.embeddings);
  require_embeddings_match(df, embeddings, config.embeddings);
  if (embeddings.cols == 0) throw InputError(config.embeddings + ": embeddings have 0 columns");
  Gallery gallery(std::move(df), embeddings);
  if (gallery.size() == 0)
    throw InputError(config.csv + ": no validation row has is_gallery; the service needs a gallery");
  return gallery;
}

bool has_pairwise(const std::vector<std::string>& post) {
  for (const auto& spec : parse_postprocessor_specs(post)) {
    if (spec.name == "pairwise") return true;
  }
  return false;
}

// SIGTERM/SIGINT are blocked in every thread and taken by one waiter, which can stop the server
// safely (a signal handler could not).
sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

void run_service(const ServiceConfig& config) {
  const sigset_t signals = termination_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts, so all inherit it

  SearchEngine engine(config.post, config.index, config.image_limits);
  GalleryService gallery(load_gallery(config), config.data_dir, config.compact_every);
  ImageEmbedder embedder(config.extractor, config.precision);
  if (embedder.feat_dim() != gallery.dim()) {
    throw InputError(fmt::format("{}: embeddings have dimension {} but the extractor gives {}",
                                 config.embeddings, gallery.dim(), embedder.feat_dim()));
  }
  Metrics metrics;
  Batcher batcher(embedder, engine, gallery, metrics, config.batching);

  httplib::Server server;
  const int http_threads = std::max(1, config.http_threads);
  server.new_task_queue = [http_threads] {
    return new httplib::ThreadPool(static_cast<size_t>(http_threads));
  };
  server.set_payload_max_length(static_cast<size_t>(config.max_body_bytes));
  // Idle keep-alive connections hold a worker; a short timeout keeps shutdown prompt.
  server.set_keep_alive_timeout(2);
  install_routes(server, {batcher, gallery, metrics, engine, config.transform, config.image_limits,
                          has_pairwise(config.post)});

  int port = config.port;
  if (port == 0) {
    port = server.bind_to_any_port(config.host);
    if (port < 0) throw InputError(fmt::format("--host {}: cannot listen", config.host));
  } else if (!server.bind_to_port(config.host, port)) {
    throw InputError(
        fmt::format("--host {} --port {}: cannot listen (in use, or not this machine's)", config.host, port));
  }

  std::thread waiter([&server, signals] {
    int signal = 0;
    sigwait(&signals, &signal);
    std::fprintf(stderr, "serve: signal %d, finishing requests in flight\n", signal);
    server.stop();
  });
  std::fprintf(stderr, "serve: %lld gallery items, dimension %lld, listening on http://%s:%d\n",
               static_cast<long long>(gallery.size()), static_cast<long long>(gallery.dim()),
               config.host.c_str(), port);
  std::fflush(stderr);
  const bool served = server.listen_after_bind();
  if (!served) {
    // Wake the waiter so it can be joined (the listen loop failed on its own).
    pthread_kill(waiter.native_handle(), SIGTERM);
  }
  waiter.join();
  // listen_after_bind returned after its worker pool drained: every accepted request is answered.
  batcher.stop();
  gallery.compact();
  std::fprintf(stderr, "serve: stopped\n");
  if (!served) throw std::runtime_error("the HTTP server stopped unexpectedly");
}

}  // namespace oml::serve
