#pragma once
// `potluck selftest privacy`'s traffic: a unique canary through every content
// path the deployment offers (chat, streamed chat, completion, an
// asynchronous job, an exec program with the canary in source, stdin and
// output, a failing upstream request), each with its own label so that a
// finding names the path that leaked.
#include "cli/api_client.h"
#include "cli/canary_scan.h"

#include <string>
#include <vector>

namespace potluck::cli {

// "canary" + random: found nowhere by chance.
struct Canaries {
  std::string base;
  std::string of(std::string_view path) const { return base + "-" + std::string(path); }
  // Most specific first: each path's canary, then the base and its random part.
  std::vector<Needle> needles(const std::vector<std::string>& paths) const;
};

struct ProbeResult {
  std::string path;
  bool exercised = false;  // the content reached a node (or the coordinator refused it after reading it)
  std::string outcome;     // "HTTP 200", "skipped: no exec node", ...
  bool metered = false;    // a usage row is expected for it
};

struct ProbeSettings {
  std::string model;  // empty: the first model of GET /v1/models other than "fail"
  std::string exec_language = "bash";
};

std::vector<ProbeResult> run_privacy_probes(const ApiOptions& api, const ProbeSettings& settings,
                                            const Canaries& canaries);

// The caller's jobs in GET /api/usage (every day), or -1 when unreadable.
std::int64_t metered_jobs(const ApiOptions& api);

}  // namespace potluck::cli
