// The node offers only what the coordinator accepts: ids it would refuse are
// dropped, the list is cut at kMaxModels, and what is left passes decode().
#include "node/offer_limits.h"
#include "protocol/frames.h"
#include "protocol/node_text.h"

#include <gtest/gtest.h>

#include <string>

namespace node = potluck::node;
namespace protocol = potluck::protocol;

namespace {

protocol::ModelOffer offer(std::string id, std::string owned_by = "engine") {
  return {std::move(id), 4096, std::move(owned_by), {}};
}

// What the coordinator makes of a hello carrying `models`.
std::expected<protocol::Frame, protocol::DecodeError> coordinator_reads(const node::ModelList& models) {
  protocol::Hello hello;
  hello.node_id = "node_offer_limits";
  hello.name = "box";
  hello.models = models;
  return protocol::decode(protocol::encode(hello));
}

}  // namespace

TEST(NodeOfferLimits, AListWithinTheRulesIsOfferedWhole) {
  const node::ModelList listed{offer("llama-3-8b"), offer("qwen2.5:7b"), offer("modèle-ü")};
  auto offers = node::sendable_offers(listed);
  EXPECT_FALSE(offers.cut());
  ASSERT_EQ(offers.models.size(), 3u);
  EXPECT_EQ(offers.models[2].id, "modèle-ü");
}

TEST(NodeOfferLimits, RefusedIdsAreDroppedAndTheRestCutAtTheCap) {
  node::ModelList listed;
  listed.push_back(offer(std::string(protocol::kMaxModelIdBytes + 72, 'x')));  // too long
  listed.push_back(offer("evil\x1b[31mred"));                                  // ANSI escape
  listed.push_back(offer(""));                                                 // empty
  listed.push_back(offer("bad\xff utf8"));                                     // not UTF-8
  for (int i = 0; i < 300; ++i) listed.push_back(offer("model-" + std::to_string(i)));
  listed.push_back(offer(std::string(protocol::kMaxModelIdBytes, 'y')));  // at the limit, but past the cap

  auto offers = node::sendable_offers(listed);
  EXPECT_EQ(offers.listed, 305u);
  EXPECT_EQ(offers.unsendable_ids, 4u);
  EXPECT_EQ(offers.past_cap, 301u - protocol::kMaxModels);
  ASSERT_EQ(offers.models.size(), protocol::kMaxModels);
  EXPECT_EQ(offers.models.front().id, "model-0");  // the engine's order, first ones kept
  EXPECT_EQ(offers.models.back().id, "model-" + std::to_string(protocol::kMaxModels - 1));

  // The whole list would be refused; what the node offers is accepted.
  EXPECT_FALSE(coordinator_reads(listed));
  auto read = coordinator_reads(offers.models);
  ASSERT_TRUE(read) << read.error().reason;
  EXPECT_EQ(std::get<protocol::Hello>(*read).models.size(), protocol::kMaxModels);
}

TEST(NodeOfferLimits, AnIdAtTheLimitIsKept) {
  const std::string longest(protocol::kMaxModelIdBytes, 'm');
  auto offers = node::sendable_offers({offer(longest)});
  EXPECT_FALSE(offers.cut());
  ASSERT_EQ(offers.models.size(), 1u);
  EXPECT_TRUE(coordinator_reads(offers.models));
}

TEST(NodeOfferLimits, AnUnprintableOwnerIsClearedNotTheOffer) {
  auto offers = node::sendable_offers({offer("good-model", "owner\x07"), offer("other", std::string(200, 'o'))});
  EXPECT_EQ(offers.cleared_owners, 2u);
  ASSERT_EQ(offers.models.size(), 2u);
  EXPECT_EQ(offers.models[0].owned_by, "");
  EXPECT_TRUE(coordinator_reads(offers.models));
}
