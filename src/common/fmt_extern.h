#pragma once
// fmt 9 (Debian 12's libfmt 9.1) compiles its formatting engine,
// fmt::detail::vformat_to<char>, into libfmt.so, but its header does not say
// so (fmt 10's does). Without this declaration every file that logs through
// spdlog compiled the whole engine (integer, float and escape writers)
// again: 9 of a handler file's 22 seconds. With it, they call the library's.
// The build includes this header in every file (CMakeLists.txt).
// GCC only: clang mangles the dependent std::is_same<...>::value inside this
// signature differently from the GCC that built libfmt.so, so under clang
// (the fuzz tree) the declaration named a symbol the library does not have
// and the fuzzers that log failed to link; clang builds instantiate it.
#include <fmt/format.h>

#if FMT_VERSION >= 90000 && FMT_VERSION < 100000 && !defined(FMT_HEADER_ONLY) && !defined(__clang__)
FMT_BEGIN_NAMESPACE
namespace detail {
extern template void vformat_to<char>(buffer<char>& buf, basic_string_view<char> fmt,
                                      basic_format_args<FMT_BUFFER_CONTEXT(type_identity_t<char>)> args,
                                      locale_ref loc);
}  // namespace detail
FMT_END_NAMESPACE
#endif
