#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "oml/cli/commands.h"
#include "oml/common/errors.h"

extern char** environ;

// `oml demo`: the note's postprocessing flow on a CJK-fonts subset, each step a subcommand of this
// same binary so the demo exercises exactly what users run: dataset -> first-stage embeddings ->
// evaluate -> train the ConcatSiamese re-ranker on kNN pairs -> evaluate with re-ranking and with
// query expansion -> HTML report. The first stage is raw 16x16 pixels: within the demo's minutes
// on two cores they retrieve these glyphs better than any extractor it could train (see README).
namespace oml::cli {
namespace {

struct DemoArguments {
  std::string out = "demo-out";
  int classes = 600;
  int fonts = 12;
  int image_size = 32;
  int first_stage_size = 16;
  std::string arch = "resnet18";
  int reranker_epochs = 10;
  int threads = 0;
};

std::string self_executable() {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot locate the oml binary: " + ec.message());
  return path.string();
}

// Runs `oml <args...>` and fails naming the step when it does not exit with 0.
void run_step(const std::string& title, const std::vector<std::string>& args) {
  std::printf("\n== %s\n$ oml", title.c_str());
  for (const auto& arg : args) std::printf(" %s", arg.c_str());
  std::printf("\n");
  std::fflush(stdout);
  const std::string binary = self_executable();
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, binary.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("demo: cannot start step '" + title + "'");
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("demo: step '" + title + "' failed (see its message above)");
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("   (%.1f s)\n", seconds);
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("demo: missing " + path);
  return nlohmann::json::parse(in);
}

std::string metric_cell(const nlohmann::json& metrics, const char* name, const char* k) {
  const auto& overall = metrics.at("OVERALL");
  if (!overall.contains(name) || !overall.at(name).contains(k) || overall.at(name).at(k).is_null())
    return "n/a";
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", overall.at(name).at(k).get<double>());
  return text;
}

std::string fmt_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

double cmc1(const std::string& json_path) {
  const nlohmann::json metrics = read_json(json_path);
  const auto& value = metrics.at("OVERALL").at("cmc").at("1");
  return value.is_null() ? 0.0 : value.get<double>();
}

void print_table(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::printf("\n%-34s %8s %8s %8s %8s\n", "retrieval", "cmc@1", "cmc@5", "map@5", "map@10");
  for (const auto& [name, json_path] : rows) {
    const auto metrics = read_json(json_path);
    std::printf("%-34s %8s %8s %8s %8s\n", name.c_str(), metric_cell(metrics, "cmc", "1").c_str(),
                metric_cell(metrics, "cmc", "5").c_str(), metric_cell(metrics, "map", "5").c_str(),
                metric_cell(metrics, "map", "10").c_str());
  }
}

// One line per postprocessor saying what it did to CMC@1 in this run, losses included.
void print_verdicts(const std::string& knn, const std::vector<std::pair<std::string, std::string>>& rows) {
  const double base = cmc1(knn);
  std::printf("\n");
  for (const auto& [name, json_path] : rows) {
    const double points = 100.0 * (cmc1(json_path) - base);
    std::printf("%-34s %+6.2f points CMC@1 over kNN%s\n", name.c_str(), points,
                points > 0 ? "" : (points < 0 ? " (worse here)" : " (no change here)"));
  }
}

void run_demo(const DemoArguments& a) {
  namespace fs = std::filesystem;
  fs::create_directories(a.out);
  const std::string data = a.out + "/data";
  const std::string csv = data + "/df.csv";
  const std::string embeddings = a.out + "/embeddings.npy";
  const std::string reranker = a.out + "/reranker.pth";
  const std::string threads = std::to_string(a.threads);
  const std::string size = std::to_string(a.image_size);
  const std::string pairwise = "pairwise:weights=" + reranker + ",top_n=5,arch=" + a.arch + ",size=" + size;
  const std::vector<std::string> metric_flags = {"--cmc", "1,5", "--precision", "5", "--map", "5,10"};
  auto evaluate = [&](const std::string& title, const std::vector<std::string>& post,
                      const std::string& json) {
    std::vector<std::string> args = {"evaluate", "--csv", csv,         "--embeddings", embeddings,
                                     "--json",   json,    "--threads", threads};
    args.insert(args.end(), metric_flags.begin(), metric_flags.end());
    for (const auto& spec : post) {
      args.push_back("--post");
      args.push_back(spec);
    }
    run_step(title, args);
  };

  run_step("1/7 dataset: the same Han characters drawn by different Debian fonts",
           {"dataset", "cjk-fonts", "--out", data, "--classes", std::to_string(a.classes), "--fonts",
            std::to_string(a.fonts), "--size", size, "--seed", "0"});
  const std::string first_stage = std::to_string(a.first_stage_size);
  run_step("2/7 first-stage embeddings: every image as " + first_stage + "x" + first_stage + " raw pixels",
           {"train-extractor", "--csv", csv, "--baseline", "raw-pixels", "--size", first_stage,
            "--baseline-npy", embeddings, "--threads", threads});
  evaluate("3/7 evaluate plain kNN retrieval", {}, a.out + "/metrics_knn.json");
  // The validation split is what the table reports, so nothing is chosen on it: train-reranker
  // picks its epoch and fusion weight on train characters it holds out.
  run_step("4/7 train the ConcatSiamese re-ranker (" + a.arch +
               " from scratch) on each train row's top-5 neighbours by the first stage (kNN pairs)",
           {"train-reranker",
            "--csv",
            csv,
            "--embeddings",
            embeddings,
            "--weights",
            "none",
            "--arch",
            a.arch,
            "--size",
            size,
            "--pairs",
            "knn:top_n=5",
            "--val-fraction",
            "0.1",
            "--optimizer",
            "adam",
            "--lr",
            "1e-3",
            "--n-labels",
            "16",
            "--n-instances",
            "4",
            "--epochs",
            std::to_string(a.reranker_epochs),
            "--seed",
            "0",
            "--threads",
            threads,
            "--out",
            reranker});
  const double fuse = read_json(reranker + ".json").at("fuse").get<double>();
  const std::string fused = pairwise + ",fuse=" + fmt_number(fuse);
  evaluate("5/7 evaluate with pairwise re-ranking of the top 5 (OML's rule: the model's score alone)",
           {pairwise}, a.out + "/metrics_pairwise.json");
  if (fuse > 0) {
    evaluate(
        "5/7 evaluate with pairwise re-ranking fused with the kNN distance (weight chosen on held-out "
        "train characters)",
        {fused}, a.out + "/metrics_fused.json");
  }
  evaluate("6/7 evaluate with query expansion", {"qe:n=2,alpha=3"}, a.out + "/metrics_qe.json");
  evaluate("6/7 evaluate with query expansion, then re-ranking", {"qe:n=2,alpha=3", fused},
           a.out + "/metrics_qe_pairwise.json");
  run_step("7/7 report: worst queries before and after re-ranking",
           {"search", "--csv", csv, "--embeddings", embeddings, "--top-k", "10", "--threads", threads,
            "--out", a.out + "/knn.csv"});
  run_step("7/7 report", {"search", "--csv", csv, "--embeddings", embeddings, "--top-k", "10", "--threads",
                          threads, "--post", fused, "--out", a.out + "/reranked.csv"});
  run_step("7/7 report",
           {"report", "--csv", csv, "--results", a.out + "/reranked.csv", "--before", a.out + "/knn.csv",
            "--metric", "map", "--k", "5", "--out", a.out + "/report.html"});

  std::vector<std::pair<std::string, std::string>> variants = {
      {"kNN + pairwise re-ranking (top 5)", a.out + "/metrics_pairwise.json"}};
  if (fuse > 0)
    variants.push_back({"kNN + pairwise, fused (w=" + fmt_number(fuse) + ")", a.out + "/metrics_fused.json"});
  variants.push_back({"kNN + QE (n=2, alpha=3)", a.out + "/metrics_qe.json"});
  variants.push_back(
      {"kNN + QE + pairwise" + std::string(fuse > 0 ? " (fused)" : ""), a.out + "/metrics_qe_pairwise.json"});
  std::vector<std::pair<std::string, std::string>> rows = {
      {"kNN (" + first_stage + "x" + first_stage + " raw pixels)", a.out + "/metrics_knn.json"}};
  rows.insert(rows.end(), variants.begin(), variants.end());
  print_table(rows);
  print_verdicts(a.out + "/metrics_knn.json", variants);
  std::printf("\nreport: %s/report.html\n", a.out.c_str());
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto args = std::make_shared<DemoArguments>();
  auto* command =
      app.add_subcommand("demo", "Run the whole pipeline on a CJK-fonts subset (the embedded default)");
  command->add_option("--out", args->out, "output directory")->capture_default_str();
  command->add_option("--classes", args->classes, "characters in the dataset")->capture_default_str();
  command->add_option("--fonts", args->fonts, "fonts (instances per character) at most")
      ->capture_default_str();
  command->add_option("--size", args->image_size, "image side in pixels")->capture_default_str();
  command->add_option("--first-stage-size", args->first_stage_size, "side of the raw-pixel embeddings")
      ->capture_default_str();
  command->add_option("--arch", args->arch, "re-ranker backbone (a ViT or ResNet arch)")
      ->capture_default_str();
  command->add_option("--reranker-epochs", args->reranker_epochs, "re-ranker training epochs")
      ->capture_default_str();
  command->add_option("--threads", args->threads, "threads (0 = all cores)")->capture_default_str();
  command->callback([args] { run_demo(*args); });
}

}  // namespace oml::cli
