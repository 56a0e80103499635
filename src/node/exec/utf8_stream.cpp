#include "node/exec/utf8_stream.h"

namespace potluck::node::exec {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Length of the sequence a lead byte starts, or 0 if it cannot start one.
std::size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Whether the second byte is allowed after `lead` (no overlongs, no
// surrogates, nothing above U+10FFFF); later bytes need only be continuations.
bool valid_second(unsigned char lead, unsigned char second) {
  if ((second & 0xC0) != 0x80) return false;
  if (lead == 0xE0) return second >= 0xA0;
  if (lead == 0xED) return second <= 0x9F;
  if (lead == 0xF0) return second >= 0x90;
  if (lead == 0xF4) return second <= 0x8F;
  return true;
}

}  // namespace

std::string Utf8Stream::feed(std::string_view bytes) {
  std::string in = std::move(pending_);
  pending_.clear();
  in.append(bytes);
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    const auto lead = static_cast<unsigned char>(in[i]);
    const std::size_t length = sequence_length(lead);
    if (length == 1) {
      out += in[i++];
      continue;
    }
    if (length == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    std::size_t have = 1;
    bool valid = true;
    while (have < length && i + have < in.size()) {
      const auto next = static_cast<unsigned char>(in[i + have]);
      valid = have == 1 ? valid_second(lead, next) : (next & 0xC0) == 0x80;
      if (!valid) break;
      ++have;
    }
    if (valid && have < length) {  // cut off by the end of this piece: wait for more
      pending_ = in.substr(i);
      break;
    }
    if (!valid) {
      out += kReplacement;
      i += have;  // the bytes before the offending one; it starts over
      continue;
    }
    out.append(in, i, length);
    i += length;
  }
  return out;
}

std::string Utf8Stream::finish() {
  std::string out = pending_.empty() ? std::string() : std::string(kReplacement);
  pending_.clear();
  return out;
}

}  // namespace potluck::node::exec
