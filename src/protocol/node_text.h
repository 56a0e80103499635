#pragma once
// What text a node may send. Everything a node writes (its id, name, platform,
// version, model ids, languages, job ids it echoes) is hostile: it reaches log
// lines, usage rows, the dashboard and terminals. decode() checks each such
// field against these rules and refuses the frame naming the field, never
// echoing its value (docs/protocol.md, Limits).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace potluck::protocol {

inline constexpr std::size_t kMaxNodeIdBytes = 64;
inline constexpr std::size_t kMaxJobIdBytes = 64;
inline constexpr std::size_t kMaxNodeNameBytes = 64;
inline constexpr std::size_t kMaxPlatformBytes = 32;  // os, arch
inline constexpr std::size_t kMaxVersionBytes = 64;
inline constexpr std::size_t kMaxModelIdBytes = 128;
inline constexpr std::size_t kMaxOwnedByBytes = 64;
inline constexpr std::size_t kMaxLanguageBytes = 32;
inline constexpr std::size_t kMaxModels = 256;     // per hello or status
inline constexpr std::size_t kMaxLanguages = 64;
// A token count past this is not a measurement of one job.
inline constexpr std::int64_t kMaxReportedTokens = 100'000'000;

// How a piece of text breaks its rule; nullopt when it keeps it.
enum class TextFault { empty, too_long, not_utf8, not_printable, not_identifier };
std::string_view describe(TextFault fault);

// Printable UTF-8 of at most `max_bytes` bytes: no C0 or C1 control character
// (so no ANSI escape sequence, which starts with ESC or CSI), no DEL, no
// bidirectional override that could reorder what a terminal shows.
std::optional<TextFault> printable_text_fault(std::string_view text, std::size_t max_bytes);

// `text` made to keep the printable rule: invalid UTF-8 dropped, each
// control character or bidirectional override replaced by a space, cut at a
// character boundary to at most `max_bytes`. For text a node passes on from
// its engine (an error's detail).
std::string printable_excerpt(std::string_view text, std::size_t max_bytes);

// An identifier (node and job ids): 1 to `max_bytes` ASCII letters, digits
// and `_ - . :`.
std::optional<TextFault> identifier_fault(std::string_view text, std::size_t max_bytes);

}  // namespace potluck::protocol
