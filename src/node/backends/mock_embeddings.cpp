#include "node/backends/mock_embeddings.h"

#include <boost/beast/core/detail/base64.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <bit>
#include <cstring>

namespace potluck::node::mock {
namespace json = boost::json;
namespace {

std::uint64_t fnv1a(std::string_view text, std::uint64_t index) {
  std::uint64_t hash = 14695981039346656037ULL;
  const auto mix = [&hash](unsigned char byte) {
    hash ^= byte;
    hash *= 1099511628211ULL;
  };
  for (unsigned char c : text) mix(c);
  for (int shift = 0; shift < 64; shift += 8) mix(static_cast<unsigned char>(index >> shift));
  return hash;
}

std::vector<float> vector_of(std::string_view input, std::int64_t dimensions) {
  std::vector<float> out(static_cast<std::size_t>(dimensions));
  for (std::size_t k = 0; k < out.size(); ++k)
    out[k] = static_cast<float>(static_cast<std::int64_t>(fnv1a(input, k) % 2001) - 1000) / 1000.0F;
  return out;
}

std::string as_json(const std::vector<float>& vector) {
  json::array numbers;
  for (float v : vector) numbers.push_back(static_cast<double>(v));
  return json::serialize(numbers);
}

std::string as_base64(const std::vector<float>& vector) {
  std::string bytes(vector.size() * 4, '\0');
  for (std::size_t i = 0; i < vector.size(); ++i) {
    auto bits = std::bit_cast<std::uint32_t>(vector[i]);
    for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>((bits >> (8 * b)) & 0xff);
  }
  namespace base64 = boost::beast::detail::base64;
  std::string text(base64::encoded_size(bytes.size()), '\0');
  text.resize(base64::encode(text.data(), bytes.data(), bytes.size()));
  return json::serialize(json::string(text));
}

// Whitespace-separated words, at least one.
std::int64_t words(const json::string& text) {
  std::int64_t n = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return std::max<std::int64_t>(1, n);
}

bool is_token_ids(const json::value& v) {
  if (!v.is_array() || v.get_array().empty()) return false;
  for (const auto& t : v.get_array())
    if (!t.is_int64()) return false;
  return true;
}

// The inputs as JSON texts (what each vector is derived from), and their tokens.
std::expected<std::vector<std::string>, std::string> inputs_of(const json::value& input, std::int64_t& tokens) {
  std::vector<const json::value*> items;
  if (input.is_string() || is_token_ids(input)) {
    items.push_back(&input);
  } else if (input.is_array()) {
    for (const auto& item : input.get_array()) items.push_back(&item);
  }
  if (items.empty()) return std::unexpected("'input' must be a string, strings or token ids");
  std::vector<std::string> texts;
  for (const auto* item : items) {
    if (item->is_string()) tokens += words(item->get_string());
    else if (is_token_ids(*item)) tokens += static_cast<std::int64_t>(item->get_array().size());
    else return std::unexpected("'input' must be a string, strings or token ids");
    texts.push_back(json::serialize(*item));
  }
  return texts;
}

}  // namespace

std::expected<Embeddings, std::string> plan_embeddings(std::string_view payload, std::int64_t default_dimensions) {
  boost::system::error_code ec;
  const auto value = json::parse(payload, ec);
  if (ec || !value.is_object()) return std::unexpected("payload is not a JSON object");
  const auto& request = value.get_object();
  const auto* input = request.if_contains("input");
  if (!input) return std::unexpected("'input' is missing");
  std::int64_t dimensions = default_dimensions;
  if (const auto* d = request.if_contains("dimensions"); d && d->is_int64()) dimensions = d->get_int64();
  if (dimensions < 1 || dimensions > kMaxMockDimensions) return std::unexpected("'dimensions' is out of range");
  const auto* format = request.if_contains("encoding_format");
  const bool base64 = format && format->is_string() && format->get_string() == "base64";

  Embeddings out;
  auto texts = inputs_of(*input, out.prompt_tokens);
  if (!texts) return std::unexpected(texts.error());
  for (const auto& text : *texts) {
    const auto vector = vector_of(text, dimensions);
    out.vectors.push_back(base64 ? as_base64(vector) : as_json(vector));
  }
  return out;
}

}  // namespace potluck::node::mock
