// Embeddings: the request's bounds (embedding_request.h), what a node's
// answer may hold (EmbeddingsCollector), the mock's vectors and the openai
// backend's translation of an engine's answer.
#include "coordinator/api/embedding_request.h"
#include "coordinator/api/result_collector.h"
#include "node/backends/mock_embeddings.h"
#include "node/backends/openai_translate.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace potluck {
namespace {
using coordinator::EmbeddingLimits;
using coordinator::api::EmbeddingsCollector;
using coordinator::api::parse_embedding_request;
using Delivery = coordinator::JobSink::Delivery;

TEST(EmbeddingRequest, CountsInputsOfEveryShape) {
  const EmbeddingLimits limits;
  EXPECT_EQ(parse_embedding_request(R"({"model":"m","input":"a"})", limits)->inputs, 1);
  EXPECT_EQ(parse_embedding_request(R"({"model":"m","input":["a","b"]})", limits)->inputs, 2);
  EXPECT_EQ(parse_embedding_request(R"({"model":"m","input":[1,2,3]})", limits)->inputs, 1);
  EXPECT_EQ(parse_embedding_request(R"({"model":"m","input":[[1],[2,3]]})", limits)->inputs, 2);
  for (const char* bad : {R"({"model":"m"})", R"({"model":"m","input":""})", R"({"model":"m","input":[]})",
                          R"({"model":"m","input":[""]})", R"({"model":"m","input":[1.5]})",
                          R"({"model":"m","input":[[]]})", R"({"model":"m","input":"a","encoding_format":"hex"})",
                          R"({"input":"a"})"})
    EXPECT_EQ(parse_embedding_request(bad, limits).error().status, 400) << bad;
}

TEST(EmbeddingRequest, RefusesPastItsLimits) {
  EmbeddingLimits limits;
  limits.max_inputs = 2;
  limits.max_input_bytes = 64;
  limits.max_dimensions = 4;
  EXPECT_EQ(parse_embedding_request(R"({"model":"m","input":["a","b","c"]})", limits).error().code, "too_many_inputs");
  EXPECT_EQ(parse_embedding_request(R"({"model":"m","input":"a","dimensions":5})", limits).error().code,
            "too_many_dimensions");
  EXPECT_EQ(parse_embedding_request(R"({"model":"m","input":")" + std::string(64, 'x') + "\"}", limits).error().status,
            413);
  EXPECT_TRUE(parse_embedding_request(R"({"model":"m","input":["a","b"],"dimensions":4})", limits));
}

protocol::Chunk vector_chunk(int index, std::string embedding) {
  return protocol::Chunk{.index = index, .delta = R"({"embedding":)" + embedding + "}"};
}

TEST(EmbeddingsCollector, AdmitsOneBoundedVectorPerInput) {
  EmbeddingsCollector collector(1 << 20, "m", 2, 3);
  EXPECT_EQ(collector.take(vector_chunk(1, "[0.5,1,-1]")), Delivery::ok);
  EXPECT_FALSE(collector.whole());
  EXPECT_EQ(collector.take(vector_chunk(0, R"("AAAAAAAAAAAAAAAA")")), Delivery::ok);
  EXPECT_TRUE(collector.whole());
  const auto answer = boost::json::parse(collector.render({}, protocol::Usage{7, 0}));
  EXPECT_EQ(answer.at("data").as_array().size(), 2U);
  EXPECT_EQ(answer.at("data").at(0).at("index").as_int64(), 0);
  EXPECT_EQ(answer.at("usage").at("prompt_tokens").as_int64(), 7);
}

TEST(EmbeddingsCollector, RefusesWhatBreaksTheBounds) {
  for (const auto& chunk : {vector_chunk(2, "[1]"), vector_chunk(-1, "[1]"), vector_chunk(0, "[1,2,3,4]"),
                            vector_chunk(0, R"(["x"])"), vector_chunk(0, "[]"), vector_chunk(0, R"("not base64!")"),
                            vector_chunk(0, R"("AAAAAAAAAAAAAAAAAAAA")"), vector_chunk(0, "{}"),
                            protocol::Chunk{.index = 0, .delta = R"({"content":"x"})"}}) {
    EmbeddingsCollector collector(1 << 20, "m", 2, 3);
    EXPECT_EQ(collector.take(chunk), Delivery::malformed) << chunk.delta;
  }
  EmbeddingsCollector twice(1 << 20, "m", 2, 3);
  EXPECT_EQ(twice.take(vector_chunk(0, "[1]")), Delivery::ok);
  EXPECT_EQ(twice.take(vector_chunk(0, "[1]")), Delivery::malformed);
  EmbeddingsCollector small(16, "m", 2, 3);
  EXPECT_EQ(small.take(vector_chunk(0, "[1.25,1.25,1.25]")), Delivery::too_large);
}

TEST(MockEmbeddings, SameInputSameVectorInEveryShape) {
  const auto a = node::mock::plan_embeddings(R"({"input":["one two","three"],"dimensions":4})");
  const auto b = node::mock::plan_embeddings(R"({"input":"three","dimensions":4})");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->vectors.size(), 2U);
  EXPECT_EQ(a->vectors[1], b->vectors[0]);
  EXPECT_NE(a->vectors[0], a->vectors[1]);
  EXPECT_EQ(a->prompt_tokens, 3);
  EXPECT_EQ(boost::json::parse(a->vectors[0]).as_array().size(), 4U);
  const auto encoded = node::mock::plan_embeddings(R"({"input":[[1,2]],"encoding_format":"base64","dimensions":3})");
  ASSERT_TRUE(encoded);
  EXPECT_EQ(boost::json::parse(encoded->vectors[0]).as_string().size(), 16U);  // 12 bytes in base64
  EXPECT_EQ(encoded->prompt_tokens, 2);
  EXPECT_FALSE(node::mock::plan_embeddings(R"({"input":{}})"));
  EXPECT_FALSE(node::mock::plan_embeddings(R"({"input":"a","dimensions":0})"));
}

TEST(OpenAiEmbeddings, OneChunkPerVectorAndTheInputTokens) {
  const auto out = node::openai::translate_embeddings(
      R"({"object":"list","data":[{"object":"embedding","index":1,"embedding":[1,2]},{"index":0,"embedding":"AAAA"}],"usage":{"prompt_tokens":5,"total_tokens":5}})");
  ASSERT_FALSE(out.error);
  ASSERT_EQ(out.chunks.size(), 2U);
  EXPECT_EQ(out.chunks[0].index, 1);
  EXPECT_EQ(out.chunks[0].delta, R"({"embedding":[1,2]})");
  EXPECT_EQ(out.chunks[1].delta, R"({"embedding":"AAAA"})");
  EXPECT_EQ(out.usage->prompt_tokens, 5);
  EXPECT_TRUE(node::openai::translate_embeddings(R"({"data":[{"index":0}]})").error);
  EXPECT_TRUE(node::openai::translate_embeddings("[]").error);
  EXPECT_EQ(*node::openai::prepare_embedding_request(R"({"model":"tier:x","input":"a","cluster":"c"})", "m"),
            R"({"model":"m","input":"a"})");
}

}  // namespace
}  // namespace potluck
