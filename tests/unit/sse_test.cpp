#include "net/sse.h"

#include <gtest/gtest.h>

using potluck::net::SseParser;

TEST(SseWriter, FormatsEventsAndChunks) {
  std::string out;
  potluck::net::append_sse_event(out, R"({"a":1})");
  EXPECT_EQ(out, "data: {\"a\":1}\n\n");
  out.clear();
  potluck::net::append_sse_event(out, "line1\nline2");
  EXPECT_EQ(out, "data: line1\ndata: line2\n\n");
  out.clear();
  potluck::net::append_sse_comment(out, "keep-alive");
  EXPECT_EQ(out, ": keep-alive\n\n");
  std::vector<std::string> events;
  SseParser parser([&](std::string_view data) { events.emplace_back(data); });
  parser.feed(out);
  parser.finish();
  EXPECT_TRUE(events.empty());  // a comment is no event
  out.clear();
  potluck::net::append_http_chunk(out, std::string(26, 'x'));
  EXPECT_EQ(out, "1a\r\n" + std::string(26, 'x') + "\r\n");
}

TEST(SseParser, SplitsEventsAcrossArbitrarySlices) {
  std::string stream = "data: one\n\n: comment\nevent: x\ndata: two\r\n\r\ndata: a\ndata: b\n\ndata: [DONE]\n\n";
  for (std::size_t slice = 1; slice <= stream.size(); ++slice) {
    std::vector<std::string> events;
    SseParser parser([&](std::string_view data) { events.emplace_back(data); });
    for (std::size_t i = 0; i < stream.size(); i += slice) parser.feed(std::string_view(stream).substr(i, slice));
    parser.finish();
    ASSERT_EQ(events.size(), 4u) << "slice " << slice;
    EXPECT_EQ(events[0], "one");
    EXPECT_EQ(events[1], "two");
    EXPECT_EQ(events[2], "a\nb");
    EXPECT_EQ(events[3], "[DONE]");
  }
}

TEST(SseParser, FlushesAnUnterminatedLastEvent) {
  std::vector<std::string> events;
  SseParser parser([&](std::string_view data) { events.emplace_back(data); });
  parser.feed("data: tail");
  EXPECT_TRUE(events.empty());
  parser.finish();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], "tail");
}

TEST(SseParser, DataWithoutSpaceAndEmptyData) {
  std::vector<std::string> events;
  SseParser parser([&](std::string_view data) { events.emplace_back(data); });
  parser.feed("data:x\n\ndata\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], "x");
  EXPECT_EQ(events[1], "");
}
