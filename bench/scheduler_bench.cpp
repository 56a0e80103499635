// potluck-scheduler-bench: how long Registry::pick takes with 10, 1,000 and
// 10,000 nodes online (Google Benchmark). Run by scripts/bench-scheduling.
//
// The registry holds real NodeLink objects, as the coordinator does. A link
// needs a WebSocket channel; here each channel wraps a TCP stream that was
// never connected and is never read or written: pick() only looks at what the
// node offered in hello, its load and its health. The nodes differ the way a
// live pool does: a few models each (one that every node serves), slots from
// 4 to 64, a third of them half busy, health from fast to slow, and one node
// in fifty parked after repeated failures.
#include "coordinator/job.h"
#include "coordinator/node_link.h"
#include "coordinator/pricing.h"
#include "coordinator/registry.h"
#include "net/ws_channel.h"

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using namespace potluck;
using coordinator::NodeLink;
using coordinator::WsNodeLink;
using coordinator::Placement;
using coordinator::Registry;

constexpr char kCommonModel[] = "common-model";
constexpr int kRareEvery = 100;  // one node in a hundred serves the rare model

protocol::Hello hello_for(int i) {
  protocol::Hello hello;
  hello.node_id = "node-" + std::to_string(i);
  hello.name = hello.node_id;
  hello.max_jobs = 4 << (i % 5);  // 4 .. 64 slots
  hello.models.push_back({kCommonModel, 0, "", {2, 4}});
  hello.models.push_back({"model-" + std::to_string(i % 37), 0, "", {1, 1}});
  if (i % kRareEvery == 0) hello.models.push_back({"rare-model", 0, "", {3, 3}});
  return hello;
}

// Shapes the node's health: latencies that vary with i, and every fiftieth
// node failing often enough to be parked.
void shape_health(NodeLink& link, int i) {
  const auto now = std::chrono::steady_clock::now();
  if (i % 50 == 49) {
    for (int f = 0; f < 3; ++f) link.health().on_failure(now);
    return;
  }
  link.health().on_success(20.0 + i % 200, 200.0 + 3 * (i % 300), now);
}

// A pool of `n` nodes: the registry, plus the io_context their idle channels
// belong to and the jobs that keep a third of them partly busy.
struct Pool {
  net::asio::io_context io;
  coordinator::PricingPolicy pricing;
  SystemClock clock;
  Registry registry{pricing, clock};
  std::vector<std::shared_ptr<coordinator::Job>> jobs;

  explicit Pool(int n) {
    for (int i = 0; i < n; ++i) {
      auto channel = std::make_shared<net::WsChannel>(net::Stream(net::beast::tcp_stream(io)), net::WsOptions{});
      auto link = std::make_shared<WsNodeLink>(channel, hello_for(i), coordinator::NodeEnrolment{}, 1 << 20);
      shape_health(*link, i);
      if (i % 3 == 0) occupy(*link, i);
      registry.add(std::move(link));
    }
  }

  // Half the node's slots taken. dispatch() queues the job frame on the
  // channel's outbox; no writer runs, so nothing is ever sent.
  void occupy(NodeLink& link, int i) {
    for (int j = 0; j < link.hello().max_jobs / 2; ++j) {
      protocol::Job frame;
      frame.id = "job-" + std::to_string(i) + "-" + std::to_string(j);
      frame.model = kCommonModel;
      auto job = std::make_shared<coordinator::Job>(io.get_executor(), frame.id);
      jobs.push_back(job);
      link.dispatch(frame, std::move(job));
    }
  }
};

void pick_model(benchmark::State& state, const char* model) {
  Pool pool(static_cast<int>(state.range(0)));
  const Placement placement{"", model, std::nullopt, ""};
  const std::set<std::string> exclude;
  for (auto _ : state) {
    auto candidate = pool.registry.pick(placement, exclude);
    if (!candidate) state.SkipWithError("no node picked");
    benchmark::DoNotOptimize(candidate);
  }
  state.counters["nodes"] = static_cast<double>(state.range(0));
}

void BM_PickCommonModel(benchmark::State& state) { pick_model(state, kCommonModel); }
void BM_PickRareModel(benchmark::State& state) { pick_model(state, "rare-model"); }

BENCHMARK(BM_PickCommonModel)->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PickRareModel)->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
