#pragma once
// Invariant checks inside fuzz harnesses. A failed check aborts, which
// libFuzzer reports as a crash (and saves the input) and which makes the
// regression replay test fail in the normal build.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(condition)                                                         \
  do {                                                                                \
    if (!(condition)) {                                                               \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, \
                   #condition);                                                       \
      std::abort();                                                                   \
    }                                                                                 \
  } while (false)

// Whether an error message repeats the request body, as far as a harness can
// tell. Messages are fixed printable wording (with field names and limits),
// and libFuzzer learns that wording from the harness's own comparisons, so a
// printable body can be a piece of the wording without anything being
// echoed ("ody is not valid JSON (s"). A body holding a byte that is not
// printable ASCII, and at least 8 bytes long, cannot be such a piece: found
// in a message, it was echoed.
inline bool repeats_body(std::string_view message, std::string_view body) {
  const bool unlike_wording = std::any_of(body.begin(), body.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte >= 0x7f;
  });
  return body.size() >= 8 && unlike_wording && message.find(body) != std::string_view::npos;
}
