#pragma once
// Program output is bytes; frames and JSON carry UTF-8. This turns a byte
// stream read in arbitrary pieces into valid UTF-8: a character split across
// two reads is held back until it is whole, and invalid bytes become U+FFFD.
#include <string>
#include <string_view>

namespace potluck::node::exec {

class Utf8Stream {
 public:
  // The valid text of `bytes` (with what was held back before).
  std::string feed(std::string_view bytes);
  // What is still held back, as U+FFFD (the stream ended mid-character).
  std::string finish();

 private:
  std::string pending_;
};

}  // namespace potluck::node::exec
