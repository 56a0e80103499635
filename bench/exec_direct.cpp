// potluck-exec-direct: runs one program over and over in this machine's exec
// sandbox, the way a node runs exec jobs (same ExecRunner, same isolation and
// limits), without coordinator, node daemon or network. `make bench` sets it
// beside the same program sent through `potluck serve` and `potluck node`.
//
//   potluck-exec-direct [--language L] [--source TEXT] [--concurrency C]
//                       [--duration-s S] [--warmup-s W]
//
// Prints one JSON object in potluck-loadgen's shape (chunk fields are 0).
#include "node/exec/exec_runner.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using namespace potluck;

struct Options {
  std::string language = "python3";
  std::string source = "print('hello')";
  int concurrency = 1;
  double duration_s = 5;
  double warmup_s = 1;
};

struct Tally {
  Clock::time_point measure_from, stop_at;
  std::vector<double> latencies_ms;
  std::int64_t errors = 0;
};

net::awaitable<void> worker(const node::exec::ExecRunner& runner, const protocol::ExecRequest& request,
                            Tally& tally) {
  const node::exec::OutputSink discard = [](std::string_view, std::string) {};
  while (Clock::now() < tally.stop_at) {
    net::AbortHandle abort;
    const auto started = Clock::now();
    auto result = co_await runner.run(request, discard, abort);
    const auto ended = Clock::now();
    if (started < tally.measure_from || ended > tally.stop_at) continue;
    if (!result || result->exit_code != 0) ++tally.errors;
    else tally.latencies_ms.push_back(std::chrono::duration<double, std::milli>(ended - started).count());
  }
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::max(0.0, std::ceil(p * sorted.size()) - 1));
  return sorted[std::min(rank, sorted.size() - 1)];
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--language") o.language = value;
    else if (flag == "--source") o.source = value;
    else if (flag == "--concurrency") o.concurrency = std::max(1, std::stoi(value));
    else if (flag == "--duration-s") o.duration_s = std::stod(value);
    else if (flag == "--warmup-s") o.warmup_s = std::stod(value);
    else return false;
  }
  return argc % 2 == 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::cerr << "usage: potluck-exec-direct [--language L] [--source TEXT] [--concurrency C] "
                 "[--duration-s S] [--warmup-s W]\n";
    return 2;
  }
  node::exec::ExecSettings settings;
  settings.enabled = true;
  settings.potluck_binary = POTLUCK_BINARY;
  auto runner = node::exec::ExecRunner::create(settings);
  if (!runner) {
    std::cerr << "potluck-exec-direct: " << runner.error() << "\n";
    return 1;
  }
  protocol::ExecRequest request;
  request.language = o.language;
  request.source = o.source;

  net::asio::io_context io;
  Tally tally;
  const auto start = Clock::now();
  tally.measure_from = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup_s));
  tally.stop_at = tally.measure_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration_s));
  for (int i = 0; i < o.concurrency; ++i)
    net::asio::co_spawn(io, worker(**runner, request, tally), net::asio::detached);
  io.run();

  auto& l = tally.latencies_ms;
  std::sort(l.begin(), l.end());
  double mean = 0;
  for (double x : l) mean += x;
  if (!l.empty()) mean /= static_cast<double>(l.size());
  boost::json::object out{{"concurrency", o.concurrency},
                          {"requests", static_cast<std::int64_t>(l.size())},
                          {"errors", tally.errors},
                          {"duration_s", o.duration_s},
                          {"rps", static_cast<double>(l.size()) / o.duration_s},
                          {"p50_ms", percentile(l, 0.50)},
                          {"p90_ms", percentile(l, 0.90)},
                          {"p99_ms", percentile(l, 0.99)},
                          {"mean_ms", mean},
                          {"chunks", 0},
                          {"chunks_per_s", 0},
                          {"ttfb_p50_ms", 0}};
  std::cout << boost::json::serialize(out) << std::endl;
  return 0;
}
