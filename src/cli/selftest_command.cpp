// `potluck selftest privacy`: an operator's proof, on their own deployment,
// that no content is kept. It sends canaries through every content path
// (privacy_probes.h), waits until the jobs' usage rows are written, then
// scans the coordinator's data directory (the database, its WAL and every
// other file), the given node state directories and log files for them
// (canary_scan.h). Exit 0: no content found; 1: found (each place printed);
// 2: the test could not run.
#include "cli/commands.h"
#include "cli/api_client.h"
#include "cli/privacy_probes.h"
#include "crypto/sha256.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <thread>

namespace potluck::cli {
namespace {

struct SelftestOptions {
  ApiOptions api;
  ProbeSettings probes;
  std::string data_dir;
  std::vector<std::string> node_state_dirs;
  std::vector<std::string> logs;
  std::string canary;  // empty: a fresh random one
};

// Usage rows are written in batches: wait (bounded) until ours are in.
bool wait_for_usage(const ApiOptions& api, std::int64_t before, std::int64_t metered) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto now = metered_jobs(api);
    if (now >= 0 && now >= before + metered) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void print_probes(const std::vector<ProbeResult>& results) {
  std::cout << "content paths:\n";
  for (const auto& r : results)
    std::cout << "  " << (r.exercised ? "exercised " : "not run   ") << r.path << ": " << r.outcome << "\n";
}

int run_privacy_selftest(const SelftestOptions& o) {
  const Canaries canaries{o.canary.empty() ? "canary" + crypto::random_base32(24) : o.canary};
  const auto before = metered_jobs(o.api);
  if (before < 0) {
    std::cerr << "potluck selftest: cannot read GET /api/usage at " << o.api.coordinator << " with this key\n";
    return 2;
  }
  const auto results = run_privacy_probes(o.api, o.probes, canaries);
  print_probes(results);
  std::int64_t metered = 0, exercised = 0;
  std::vector<std::string> paths;
  for (const auto& r : results) {
    paths.push_back(r.path);
    metered += r.metered ? 1 : 0;
    exercised += r.exercised ? 1 : 0;
  }
  if (exercised == 0) {
    std::cerr << "potluck selftest: no content path could be exercised (is a node online?)\n";
    return 2;
  }
  if (!wait_for_usage(o.api, before, metered))
    std::cout << "warning: the usage rows of " << metered << " jobs did not all appear within 30 s\n";

  std::vector<std::filesystem::path> roots{o.data_dir};
  for (const auto& dir : o.node_state_dirs) roots.emplace_back(dir);
  for (const auto& log : o.logs) roots.emplace_back(log);
  const auto scan = scan_for_needles(roots, canaries.needles(paths));
  std::cout << "scanned " << scan.files << " files, " << scan.bytes << " bytes\n";
  for (const auto& missing : scan.unreadable) std::cout << "warning: could not read " << missing << "\n";
  if (scan.hits.empty()) {
    std::cout << "no content found\n";
    return 0;
  }
  for (const auto& hit : scan.hits)
    std::cout << "FOUND " << hit.label << " canary in " << hit.file.string() << " at byte " << hit.offset << "\n";
  return 1;
}

}  // namespace

void add_selftest_command(CLI::App& app, Action& action) {
  auto* selftest = app.add_subcommand("selftest", "Checks an operator runs against a live deployment");
  selftest->require_subcommand(1);
  auto o = std::make_shared<SelftestOptions>();
  auto* privacy = selftest->add_subcommand(
      "privacy", "Send canaries through every content path, then search the database, state dirs and logs for them");
  add_api_flags(privacy, o->api);
  privacy->add_option("--data-dir", o->data_dir, "The coordinator's data directory (database and WAL)")->required();
  privacy->add_option("--node-state-dir", o->node_state_dirs, "A node's state directory (repeatable)");
  privacy->add_option("--log", o->logs, "A log file of the coordinator or a node (repeatable)");
  privacy->add_option("--model", o->probes.model, "The model to send chat, completion and job canaries to "
                                                  "(default: the first one online)");
  privacy->add_option("--exec-language", o->probes.exec_language, "The language of the exec probe")
      ->capture_default_str();
  privacy->add_option("--canary", o->canary, "Use this canary text instead of a random one (for testing the test)");
  privacy->callback([&action, o] { action = [o] { return run_privacy_selftest(*o); }; });
}

}  // namespace potluck::cli
