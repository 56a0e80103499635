#include "protocol/node_text.h"

namespace potluck::protocol {
namespace {

// Decodes one UTF-8 sequence at `at`; advances it. nullopt: not valid UTF-8
// (bad lead or continuation byte, overlong form, surrogate, past U+10FFFF).
std::optional<char32_t> next_code_point(std::string_view text, std::size_t& at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = 0;
  char32_t value = 0;
  char32_t smallest = 0;
  if (lead < 0x80) {
    ++at;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, value = lead & 0x1F, smallest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, value = lead & 0x0F, smallest = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, value = lead & 0x07, smallest = 0x10000;
  } else {
    return std::nullopt;
  }
  if (at + length > text.size()) return std::nullopt;
  for (std::size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(text[at + i]);
    if ((byte & 0xC0) != 0x80) return std::nullopt;
    value = (value << 6) | (byte & 0x3F);
  }
  if (value < smallest || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return std::nullopt;
  at += length;
  return value;
}

bool printable(char32_t c) {
  if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) return false;            // C0, DEL, C1 (CSI is 0x9B)
  if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)) return false;  // bidi overrides
  return true;
}

bool identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.' || c == ':';
}

}  // namespace

std::string_view describe(TextFault fault) {
  switch (fault) {
    case TextFault::empty: return "must not be empty";
    case TextFault::too_long: return "is too long";
    case TextFault::not_utf8: return "is not valid UTF-8";
    case TextFault::not_printable: return "has a control character";
    case TextFault::not_identifier: return "may hold only letters, digits and _-.:";
  }
  return "is invalid";
}

std::optional<TextFault> printable_text_fault(std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes) return TextFault::too_long;
  for (std::size_t at = 0; at < text.size();) {
    auto c = next_code_point(text, at);
    if (!c) return TextFault::not_utf8;
    if (!printable(*c)) return TextFault::not_printable;
  }
  return std::nullopt;
}

std::string printable_excerpt(std::string_view text, std::size_t max_bytes) {
  std::string out;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t start = at;
    auto c = next_code_point(text, at);
    if (!c) {
      at = start + 1;  // skip the bad byte
      continue;
    }
    const std::string_view piece = printable(*c) ? text.substr(start, at - start) : std::string_view(" ");
    if (out.size() + piece.size() > max_bytes) break;
    out += piece;
  }
  return out;
}

std::optional<TextFault> identifier_fault(std::string_view text, std::size_t max_bytes) {
  if (text.empty()) return TextFault::empty;
  if (text.size() > max_bytes) return TextFault::too_long;
  for (char c : text)
    if (!identifier_char(c)) return TextFault::not_identifier;
  return std::nullopt;
}

}  // namespace potluck::protocol
