// Fuzzes the text a node writes in its hello and status frames (protocol/
// frames with protocol/node_text's rules): its id, name, platform, version,
// model ids, owners and languages reach log lines, usage rows, the dashboard
// and terminals. The input is split at newlines into those fields, which go
// into well-formed frames, so the fuzzer works on the text rules rather than
// on JSON syntax (frame_decode covers that). Checked against a rule written
// out here, not against node_text's own functions:
//   - an accepted frame carries only printable UTF-8 (no C0 or C1 control
//     character, no DEL, so no ANSI escape) and an id of ASCII letters,
//     digits and "_-.:";
//   - a refused frame's reason names the field and never echoes a value
//     (one with a byte no wording of a reason has: a control, a non-ASCII
//     byte or unusual punctuation);
//   - an accepted frame survives encode -> decode unchanged.
#include "fuzz_check.h"
#include "protocol/frames.h"
#include "protocol/node_text.h"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace json = boost::json;
namespace protocol = potluck::protocol;

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> parts;
  while (!text.empty() && parts.size() < 64) {
    const auto end = text.find('\n');
    parts.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return parts;
}

std::string_view part(const std::vector<std::string_view>& parts, std::size_t i, std::string_view fallback) {
  return i < parts.size() ? parts[i] : fallback;
}

// Valid UTF-8 with no code point below U+0020, none in U+007F..U+009F.
bool printable_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    std::uint32_t cp = len == 1 ? b : b & (0x7F >> len);
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c >> 6) != 0x2) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return false;
    i += len;
  }
  return true;
}

bool identifier(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

void check_offers(const std::vector<protocol::ModelOffer>& models) {
  FUZZ_CHECK(models.size() <= protocol::kMaxModels);
  for (const auto& m : models) {
    FUZZ_CHECK(!m.id.empty() && m.id.size() <= protocol::kMaxModelIdBytes && printable_utf8(m.id));
    FUZZ_CHECK(m.owned_by.size() <= protocol::kMaxOwnedByBytes && printable_utf8(m.owned_by));
  }
}

// Whether `text` holds a byte that no fixed wording of a reason uses (those
// are plain ASCII words, digits, spaces and a little punctuation): only such
// text can be told apart from the wording ("letters, dig" is a value a
// fuzzer may well write, and also part of a reason).
bool unlike_any_wording(std::string_view text) {
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b >= 0x7F || std::string_view("\"{}<>|~^@#$%&*=+;\\`!?").find(c) != std::string_view::npos)
      return true;
  }
  return false;
}

void check_refusal(const protocol::DecodeError& error, const std::vector<std::string_view>& parts) {
  FUZZ_CHECK(!error.reason.empty());
  for (const auto p : parts) {
    if (p.size() >= 4 && unlike_any_wording(p)) FUZZ_CHECK(error.reason.find(p) == std::string::npos);
  }
}

template <class FrameT>
void check_round_trip(const FrameT& frame) {
  auto again = protocol::decode(protocol::encode(frame));
  FUZZ_CHECK(again.has_value() && std::holds_alternative<FrameT>(*again));
  FUZZ_CHECK(protocol::encode(std::get<FrameT>(*again)) == protocol::encode(frame));
}

json::array offers(const std::vector<std::string_view>& parts, std::string_view owner) {
  json::array models;
  for (std::size_t i = 6; i < parts.size(); i += 2)
    models.push_back(json::object{{"id", parts[i]}, {"context", 4096}, {"owned_by", owner}});
  return models;
}

void check_hello(const std::vector<std::string_view>& parts) {
  json::array languages;
  for (std::size_t i = 7; i < parts.size(); i += 2) languages.push_back(json::string(parts[i]));
  const json::object hello{
      {"type", "hello"},
      {"protocol", protocol::kProtocolVersion},
      {"node_id", part(parts, 0, "node_a")},
      {"name", part(parts, 1, "box")},
      {"os", part(parts, 2, "linux")},
      {"arch", part(parts, 3, "x86_64")},
      {"agent_version", part(parts, 4, "0.1.0")},
      {"max_jobs", 4},
      {"models", offers(parts, part(parts, 5, "potluck-mock"))},
      {"exec", json::object{{"languages", languages}}},
  };
  auto frame = protocol::decode(json::serialize(hello));
  if (!frame) return check_refusal(frame.error(), parts);
  FUZZ_CHECK(std::holds_alternative<protocol::Hello>(*frame));
  const auto& h = std::get<protocol::Hello>(*frame);
  FUZZ_CHECK(identifier(h.node_id) && h.node_id.size() <= protocol::kMaxNodeIdBytes);
  FUZZ_CHECK(h.name.size() <= protocol::kMaxNodeNameBytes && printable_utf8(h.name));
  FUZZ_CHECK(h.os.size() <= protocol::kMaxPlatformBytes && printable_utf8(h.os));
  FUZZ_CHECK(h.arch.size() <= protocol::kMaxPlatformBytes && printable_utf8(h.arch));
  FUZZ_CHECK(h.agent_version.size() <= protocol::kMaxVersionBytes && printable_utf8(h.agent_version));
  check_offers(h.models);
  FUZZ_CHECK(h.exec_languages.size() <= protocol::kMaxLanguages);
  for (const auto& l : h.exec_languages) FUZZ_CHECK(l.size() <= protocol::kMaxLanguageBytes && printable_utf8(l));
  check_round_trip(h);
}

void check_status(const std::vector<std::string_view>& parts) {
  const json::object status{{"type", "status"}, {"in_flight", 1}, {"models", offers(parts, part(parts, 5, ""))}};
  auto frame = protocol::decode(json::serialize(status));
  if (!frame) return check_refusal(frame.error(), parts);
  FUZZ_CHECK(std::holds_alternative<protocol::Status>(*frame));
  const auto& s = std::get<protocol::Status>(*frame);
  FUZZ_CHECK(s.models.has_value());
  check_offers(*s.models);
  check_round_trip(s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = split_lines(std::string_view(reinterpret_cast<const char*>(data), size));
  check_hello(parts);
  check_status(parts);
  return 0;
}
