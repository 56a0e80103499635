#pragma once
// Invariant checks inside fuzz harnesses. A failed check aborts, which
// libFuzzer reports as a crash (and saves the input) and which makes the
// regression replay test fail in the normal build.
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                         \
  do {                                                                                \
    if (!(condition)) {                                                               \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, \
                   #condition);                                                       \
      std::abort();                                                                   \
    }                                                                                 \
  } while (false)
