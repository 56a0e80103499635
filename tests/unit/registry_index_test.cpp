// The registry's index of offers (model / language -> nodes, per scope) and
// the pick drawn from it: kept true on connect, disconnect, reconnect and
// model updates; a free node is found however few of the listed nodes are
// free; scopes and tiers are respected.
#include "coordinator/job.h"
#include "coordinator/node_link.h"
#include "coordinator/offer_index.h"
#include "coordinator/pricing.h"
#include "coordinator/registry.h"
#include "net/ws_channel.h"
#include "fake_clock.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace potluck::coordinator {
namespace {

// Real NodeLinks over WebSocket channels that are never connected: the
// registry reads only hello, load and health.
class Nodes {
 public:
  std::shared_ptr<NodeLink> make(const std::string& id, std::vector<std::string> models, int max_jobs = 4,
                                 std::string cluster = "", std::vector<std::string> languages = {}) {
    NodeEnrolment enrolment;
    enrolment.cluster_id = std::move(cluster);
    return make_enrolled(id, std::move(models), std::move(enrolment), max_jobs, std::move(languages));
  }
  std::shared_ptr<NodeLink> make_enrolled(const std::string& id, std::vector<std::string> models,
                                          NodeEnrolment enrolment, int max_jobs = 4,
                                          std::vector<std::string> languages = {},
                                          protocol::Price price = {1, 1}) {
    protocol::Hello hello;
    hello.node_id = id;
    hello.max_jobs = max_jobs;
    for (auto& m : models) hello.models.push_back({std::move(m), 0, "", price});
    hello.exec_languages = std::move(languages);
    auto channel = std::make_shared<net::WsChannel>(net::Stream(net::beast::tcp_stream(io_)), net::WsOptions{});
    return std::make_shared<WsNodeLink>(channel, std::move(hello), std::move(enrolment), 1 << 20);
  }

  // Takes `count` of the node's slots (the job frames queue on a channel
  // that is never written).
  void take(NodeLink& link, int count) {
    for (int i = 0; i < count; ++i) {
      protocol::Job frame;
      frame.id = "job-" + std::to_string(jobs_.size());
      auto job = std::make_shared<Job>(io_.get_executor(), frame.id);
      jobs_.push_back(job);
      link.dispatch(frame, job);
    }
  }
  void fill(NodeLink& link) { take(link, link.hello().max_jobs - link.in_flight()); }

 private:
  net::asio::io_context io_;
  std::vector<std::shared_ptr<Job>> jobs_;
};

std::vector<std::string> ids(const OfferIndex::Nodes& nodes) {
  std::vector<std::string> out;
  for (const auto* n : nodes) out.push_back(n->id());
  std::sort(out.begin(), out.end());
  return out;
}

Placement model(const std::string& name, const std::string& cluster = "") {
  return {cluster, name, std::nullopt, ""};
}

const std::set<std::string> kNoExclusions;

class RegistryIndex : public ::testing::Test {
 protected:
  Nodes nodes;
  PricingPolicy pricing;
  testing::FakeClock clock{1'700'000'000'000};
  Registry registry{pricing, clock};

  std::string picked(const Placement& placement, const std::set<std::string>& exclude = kNoExclusions) {
    auto candidate = registry.pick(placement, exclude);
    return candidate ? candidate.node->id() : "";
  }
};

TEST(OfferIndex, ListsEachNodeOnceUnderItsScopeModelsAndLanguages) {
  Nodes nodes;
  auto a = nodes.make("a", {"m1", "m2", "m1"}, 4, "", {"python3"});
  auto b = nodes.make("b", {"m1"}, 4, "clu_x");
  OfferIndex index;
  index.add(*a);
  index.add(*b);
  EXPECT_EQ(ids(index.serving("", "m1")), std::vector<std::string>{"a"}) << "listed once, public scope only";
  EXPECT_EQ(ids(index.serving("clu_x", "m1")), std::vector<std::string>{"b"});
  EXPECT_EQ(ids(index.serving("", "m2")), std::vector<std::string>{"a"});
  EXPECT_EQ(ids(index.running("", "python3")), std::vector<std::string>{"a"});
  EXPECT_TRUE(index.serving("", "nothing").empty());
  EXPECT_TRUE(index.running("clu_x", "python3").empty());
  index.remove(*a);
  EXPECT_TRUE(index.serving("", "m1").empty());
  EXPECT_TRUE(index.running("", "python3").empty());
  EXPECT_EQ(ids(index.serving("clu_x", "m1")), std::vector<std::string>{"b"});
}

TEST_F(RegistryIndex, ConnectAndDisconnect) {
  auto a = nodes.make("a", {"m"});
  EXPECT_FALSE(registry.online(model("m")));
  EXPECT_EQ(picked(model("m")), "");
  registry.add(a);
  EXPECT_TRUE(registry.online(model("m")));
  EXPECT_EQ(picked(model("m")), "a");
  registry.remove(a.get());
  EXPECT_FALSE(registry.online(model("m")));
  EXPECT_EQ(picked(model("m")), "");
  EXPECT_TRUE(registry.known("m")) << "a public model stays known after its nodes go";
}

TEST_F(RegistryIndex, ModelRefreshMovesTheNodeBetweenLists) {
  auto a = nodes.make("a", {"old"});
  registry.add(a);
  registry.set_models(*a, {{"new", 0, "", {1, 1}}});
  EXPECT_FALSE(registry.online(model("old")));
  EXPECT_EQ(picked(model("old")), "");
  EXPECT_EQ(picked(model("new")), "a");
  EXPECT_TRUE(registry.known("new"));
  registry.remove(a.get());
  EXPECT_FALSE(registry.online(model("new"))) << "removed under its current models";
}

TEST_F(RegistryIndex, ALinkUnderAnotherOwnersTokenDoesNotReplaceTheOnlineNode) {
  auto honest = nodes.make_enrolled("a", {"m"}, {"tok_honest", "user_honest", "", store::Trust::verified});
  auto stranger = nodes.make_enrolled("a", {"m", "bait"}, {"tok_stranger", "user_stranger", "", store::Trust::verified});
  auto honest_again = nodes.make_enrolled("a", {"m"}, {"tok_honest_new", "user_honest", "", store::Trust::verified});
  ASSERT_TRUE(registry.add(honest));
  EXPECT_FALSE(registry.add(stranger));
  EXPECT_EQ(registry.find("a"), honest.get());
  EXPECT_FALSE(registry.online(model("bait"))) << "the refused link's offers were not indexed";
  EXPECT_EQ(registry.pick(model("m"), kNoExclusions).node, honest.get());
  EXPECT_EQ(registry.add(honest_again).value(), honest) << "the owner's new token replaces its own link";
}

TEST_F(RegistryIndex, AReconnectReplacesTheOldLinkInTheIndex) {
  auto old_link = nodes.make("a", {"m", "gone"});
  auto new_link = nodes.make("a", {"m"});
  registry.add(old_link);
  EXPECT_EQ(registry.add(new_link).value(), old_link);
  EXPECT_FALSE(registry.online(model("gone"))) << "the old link's offers left with it";
  // The old connection's late frames and its teardown touch nothing.
  registry.set_models(*old_link, {{"stale", 0, "", {1, 1}}});
  registry.remove(old_link.get());
  EXPECT_FALSE(registry.online(model("stale")));
  EXPECT_EQ(registry.pick(model("m"), kNoExclusions).node, new_link.get());
  EXPECT_EQ(registry.size(), 1u);
}

TEST_F(RegistryIndex, TheOneFreeNodeAmongManyBusyOnesIsFound) {
  std::vector<std::shared_ptr<NodeLink>> links;
  for (int i = 0; i < 1000; ++i) {
    links.push_back(nodes.make("n" + std::to_string(i), {"m"}, 2));
    registry.add(links.back());
    if (i != 613) nodes.fill(*links.back());
  }
  for (int round = 0; round < 20; ++round) EXPECT_EQ(picked(model("m")), "n613");
  EXPECT_EQ(picked(model("m"), {"n613"}), "") << "excluded (already tried): none left";
  nodes.fill(*links[613]);
  EXPECT_EQ(picked(model("m")), "");
  EXPECT_TRUE(registry.online(model("m"))) << "busy is still online";
}

TEST_F(RegistryIndex, ParkedNodesServeOnlyWhenNothingElseCan) {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<NodeLink>> links;
  for (int i = 0; i < 50; ++i) {
    links.push_back(nodes.make("n" + std::to_string(i), {"m"}));
    registry.add(links.back());
    for (int f = 0; f < 3; ++f) links.back()->health().on_failure(now);
  }
  EXPECT_NE(picked(model("m")), "") << "panic mode: every node parked, one serves anyway";
  auto healthy = nodes.make("healthy", {"m"});
  registry.add(healthy);
  for (int round = 0; round < 20; ++round) EXPECT_EQ(picked(model("m")), "healthy");
}

TEST_F(RegistryIndex, OfTwoDrawnTheLessLoadedWins) {
  // One idle node among nineteen with 3 of 4 slots taken: the idle one wins
  // every drawn pair it is in (about one pick in ten), each busy one only
  // some of the pairs it shares with another busy one (one in twenty or so).
  std::vector<std::shared_ptr<NodeLink>> links;
  for (int i = 0; i < 20; ++i) {
    links.push_back(nodes.make("n" + std::to_string(i), {"m"}, 4));
    registry.add(links.back());
    if (i > 0) nodes.take(*links.back(), 3);
  }
  std::map<std::string, int> wins;
  for (int round = 0; round < 2000; ++round) ++wins[picked(model("m"))];
  EXPECT_EQ(wins.count(""), 0u);
  EXPECT_GT(wins.size(), 2u) << "picks are spread over the pool";
  const int idle_wins = wins["n0"];
  for (const auto& [id, n] : wins) {
    if (id != "n0") {
      EXPECT_GT(idle_wins, n) << id << " won more often than the idle node";
    }
  }
}

TEST_F(RegistryIndex, OfTwoNodesInGoodStandingTheCheaperWinsWhateverCapacityTheOtherDeclares) {
  // A dear node that declares a huge capacity and a cheap one with four
  // slots: the cheap one takes the jobs until it is full, then the dear one.
  auto dear = nodes.make_enrolled("dear", {"m"}, {}, 10'000, {}, {3, 3});
  auto cheap = nodes.make_enrolled("cheap", {"m"}, {}, 4, {}, {1, 2});
  registry.add(dear);
  registry.add(cheap);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(picked(model("m")), "cheap") << "job " << i;
    nodes.take(*cheap, 1);
  }
  EXPECT_EQ(picked(model("m")), "dear");
}

TEST_F(RegistryIndex, ScopesAreKeptApart) {
  auto pub = nodes.make("public", {"m"});
  auto mine = nodes.make("cluster-node", {"m"}, 4, "clu_x");
  registry.add(pub);
  registry.add(mine);
  for (int round = 0; round < 10; ++round) {
    EXPECT_EQ(picked(model("m")), "public");
    EXPECT_EQ(picked(model("m", "clu_x")), "cluster-node");
    EXPECT_EQ(picked(model("m", "clu_other")), "");
  }
}

TEST_F(RegistryIndex, ExecPicksFromTheLanguageList) {
  auto runner = nodes.make("runner", {}, 2, "", {"python3", "bash"});
  registry.add(runner);
  registry.add(nodes.make("llm", {"m"}));
  EXPECT_TRUE(registry.online(Placement::exec("bash")));
  EXPECT_FALSE(registry.online(Placement::exec("c")));
  EXPECT_EQ(registry.pick(Placement::exec("python3"), kNoExclusions).node, runner.get());
  EXPECT_EQ(registry.pick(Placement::exec("python3", "clu_x"), kNoExclusions).node, nullptr);
  registry.remove(runner.get());
  EXPECT_FALSE(registry.online(Placement::exec("python3")));
}

TEST_F(RegistryIndex, ATierDrawsFromEveryListedModelAndCountsANodeOnce) {
  store::Tier tier;
  tier.name = "fast";
  tier.models = {"m1", "m2"};
  tier.max_price_in = 10;
  tier.max_price_out = 10;
  const Placement placement{"", "", tier, ""};
  std::vector<std::shared_ptr<NodeLink>> links;
  for (int i = 0; i < 30; ++i) {
    links.push_back(nodes.make("n" + std::to_string(i), i % 2 ? std::vector<std::string>{"m1", "m2"}
                                                               : std::vector<std::string>{"m2"}));
    registry.add(links.back());
    if (i != 7) nodes.fill(*links.back());
  }
  registry.add(nodes.make("other", {"m3"}));
  for (int round = 0; round < 10; ++round) {
    auto candidate = registry.pick(placement, kNoExclusions);
    ASSERT_TRUE(candidate);
    EXPECT_EQ(candidate.node->id(), "n7") << "the one free node in the tier's lists";
    EXPECT_EQ(candidate.model, "m1") << "the node's first offer the tier lists";
  }
}

// Known models: a public model stays known (503, not 404) while a node offers
// it and for a day after the last one stopped; then it is forgotten.
TEST_F(RegistryIndex, AModelNoNodeOfferedForADayIsForgotten) {
  constexpr std::int64_t kHour = 3'600'000;
  auto node = nodes.make("a", {"m1", "m2"});
  registry.add(node);
  clock.now += 30 * kHour;
  EXPECT_TRUE(registry.known("m1")) << "offered now, however long ago it connected";

  registry.set_models(*node, {{"m2", 0, "", {1, 1}}});  // stops offering m1 now
  clock.now += 23 * kHour;
  EXPECT_TRUE(registry.known("m1")) << "offered within the day";
  clock.now += kHour;
  EXPECT_FALSE(registry.known("m1")) << "a day since the last offer";
  EXPECT_TRUE(registry.known("m2"));

  registry.remove(node.get());  // m2 offered until now
  clock.now += 24 * kHour - 1;
  EXPECT_TRUE(registry.known("m2"));
  clock.now += 1;
  EXPECT_FALSE(registry.known("m2"));
  EXPECT_FALSE(registry.known("never-offered"));
}

TEST_F(RegistryIndex, ModelsFromTheStoreAreKnownForADayFromTheirRecord) {
  constexpr std::int64_t kHour = 3'600'000;
  registry.remember("old", clock.now - 25 * kHour);
  registry.remember("recent", clock.now - 2 * kHour);
  registry.remember("recent", clock.now - 30 * kHour);  // an older record does not set it back
  EXPECT_FALSE(registry.known("old"));
  EXPECT_TRUE(registry.known("recent"));
}

TEST_F(RegistryIndex, ForgottenModelsLeaveTheMapAndClusterModelsNeverEnterIt) {
  constexpr std::int64_t kHour = 3'600'000;
  auto public_node = nodes.make("a", {"m1"});
  auto cluster_node = nodes.make("b", {"private-model"}, 4, "clu_x");
  registry.add(public_node);
  registry.add(cluster_node);
  EXPECT_FALSE(registry.known("private-model"));
  registry.remove(public_node.get());
  EXPECT_EQ(registry.known_count(), 1u);
  clock.now += 25 * kHour;
  auto later = nodes.make("c", {"m3"});
  registry.add(later);  // a sweep runs as offers change
  EXPECT_FALSE(registry.known("m1"));
  EXPECT_EQ(registry.known_count(), 1u) << "m1 swept out, m3 in";
  EXPECT_TRUE(registry.known("m3"));
}

}  // namespace
}  // namespace potluck::coordinator
