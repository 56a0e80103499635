#include "node/backends/mock_generator.h"

#include "crypto/sha256.h"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace potluck::node::mock {
namespace json = boost::json;
namespace {

constexpr std::array<std::string_view, 32> kLorem = {
    "lorem",  "ipsum",  "dolor",   "sit",    "amet",   "consectetur", "adipiscing", "elit",
    "sed",    "do",     "eiusmod", "tempor", "incididunt", "ut",      "labore",     "et",
    "dolore", "magna",  "aliqua",  "enim",   "ad",     "minim",       "veniam",     "quis",
    "nostrud", "exercitation", "ullamco", "laboris", "nisi", "aliquip", "commodo", "consequat"};

// splitmix64: tiny, portable and fully specified, unlike the standard
// library's distributions, so the reply is the same on every platform.
std::uint64_t next_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Appends the text of a message "content": a string or an array of parts.
void append_content(std::string& out, const json::value& content) {
  if (content.is_string()) {
    out += content.get_string();
  } else if (content.is_array()) {
    for (const auto& part : content.get_array()) {
      if (!part.is_object()) continue;
      if (const auto* text = part.get_object().if_contains("text"); text && text->is_string()) {
        out += text->get_string();
        out += '\n';
      }
    }
  }
  out += '\n';
}

// The prompt's text, only ever hashed and counted, never kept or emitted.
std::string prompt_text(protocol::JobKind kind, const json::object& body) {
  std::string text;
  if (kind == protocol::JobKind::chat) {
    if (const auto* messages = body.if_contains("messages"); messages && messages->is_array())
      for (const auto& message : messages->get_array())
        if (message.is_object())
          if (const auto* content = message.get_object().if_contains("content"))
            append_content(text, *content);
  } else if (const auto* prompt = body.if_contains("prompt")) {
    if (prompt->is_string()) {
      text += prompt->get_string();
    } else if (prompt->is_array()) {
      // Strings, or token ids: each id counts as one word.
      for (const auto& item : prompt->get_array()) {
        if (item.is_string()) text += item.get_string();
        else text += "t";
        text += '\n';
      }
    }
  }
  return text;
}

std::optional<std::int64_t> non_negative_int(const json::object& body, std::string_view key) {
  const auto* v = body.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64() && v->get_int64() >= 0) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(std::min<std::uint64_t>(v->get_uint64(), kMaxTokens));
  return std::nullopt;
}

std::string json_string(std::string_view text) {
  return json::serialize(json::string_view(text.data(), text.size()));
}

}  // namespace

std::int64_t count_words(std::string_view text) {
  std::int64_t words = 0;
  bool in_word = false;
  for (unsigned char c : text) {
    bool space = std::isspace(c) != 0;
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

std::expected<Reply, std::string> plan_reply(protocol::JobKind kind, std::string_view payload) {
  boost::system::error_code ec;
  auto value = json::parse(json::string_view(payload.data(), payload.size()), ec);
  if (ec || !value.is_object()) return std::unexpected("payload is not a JSON object");
  const auto& body = value.get_object();

  const std::string text = prompt_text(kind, body);
  const std::string digest = crypto::sha256_hex(text);

  Reply reply;
  reply.prompt_tokens = count_words(text);
  std::int64_t length = std::min(non_negative_int(body, "mock_tokens").value_or(kDefaultTokens), kMaxTokens);
  std::optional<std::int64_t> limit = non_negative_int(body, "max_tokens");
  if (!limit) limit = non_negative_int(body, "max_completion_tokens");
  reply.finish_reason = "stop";
  if (limit && *limit < length) {
    length = *limit;
    reply.finish_reason = "length";
  }
  if (auto delay = non_negative_int(body, "mock_delay_ms"))
    reply.delay = std::chrono::milliseconds(std::min<std::int64_t>(*delay, 60'000));

  std::uint64_t state = std::stoull(digest.substr(0, 16), nullptr, 16);
  const std::array<std::string, 3> lead = {"mock", "reply", digest.substr(0, 4) + ":"};
  reply.words.reserve(static_cast<std::size_t>(length));
  for (std::int64_t i = 0; i < length; ++i) {
    if (i < static_cast<std::int64_t>(lead.size())) reply.words.push_back(lead[static_cast<std::size_t>(i)]);
    else reply.words.emplace_back(kLorem[next_random(state) % kLorem.size()]);
  }
  return reply;
}

std::vector<Chunk> reply_chunks(protocol::JobKind kind, const Reply& reply) {
  std::vector<Chunk> chunks;
  chunks.reserve(reply.words.size() + 2);
  const bool chat = kind == protocol::JobKind::chat;
  if (chat) chunks.push_back({0, R"({"role":"assistant","content":""})", ""});
  for (const auto& word : reply.words)
    chunks.push_back({0, std::string(chat ? R"({"content":)" : R"({"text":)") + json_string(word + " ") + "}", ""});
  chunks.push_back({0, chat ? "{}" : R"({"text":""})", reply.finish_reason});
  return chunks;
}

}  // namespace potluck::node::mock
