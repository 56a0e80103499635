// Fuzzes node frame decoding (protocol/frames), the first thing the
// coordinator does with every WebSocket message a node sends and the node
// with every message from the coordinator. Any bytes must decode or give a
// reason; a decoded frame must survive encode -> decode unchanged, or the two
// sides could accept a frame they cannot send (or send one they reject).
#include "fuzz_check.h"
#include "protocol/frames.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace {

namespace protocol = potluck::protocol;

// The wire form of a known frame; empty for Unknown (never sent).
std::string encode_frame(const protocol::Frame& frame) {
  return std::visit(
      [](const auto& f) -> std::string {
        if constexpr (std::is_same_v<std::decay_t<decltype(f)>, protocol::Unknown>) return {};
        else return protocol::encode(f);
      },
      frame);
}

void check_round_trip(const protocol::Frame& frame) {
  const std::string wire = encode_frame(frame);
  if (wire.empty()) return;
  auto again = protocol::decode(wire);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->index() == frame.index());
  FUZZ_CHECK(encode_frame(*again) == wire);
}

// A message (one frame or a batch): every frame it yields survives a round
// trip, and a batch of their encodings decodes to as many frames again.
void check_message(std::string_view text) {
  auto frames = protocol::decode_message(text);
  if (!frames) {
    FUZZ_CHECK(!frames.error().reason.empty());
    if (text.size() >= 24) FUZZ_CHECK(frames.error().reason.find(text) == std::string::npos);
    return;
  }
  std::vector<std::string> wires;
  for (const auto& frame : *frames) {
    check_round_trip(frame);
    if (std::string wire = encode_frame(frame); !wire.empty()) wires.push_back(std::move(wire));
  }
  auto again = protocol::decode_message(protocol::encode_batch(wires));
  FUZZ_CHECK(again.has_value() && again->size() == wires.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_message(text);
  auto frame = protocol::decode(text);
  if (!frame) {
    FUZZ_CHECK(!frame.error().reason.empty());
    // Reasons name the field, never echo its value (they reach logs).
    if (text.size() >= 24) FUZZ_CHECK(frame.error().reason.find(text) == std::string::npos);
    return 0;
  }
  check_round_trip(*frame);
  return 0;
}
