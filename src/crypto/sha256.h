#pragma once
#include <string>
#include <string_view>

namespace potluck::crypto {

// Lowercase hex SHA-256 of `data` (64 characters).
std::string sha256_hex(std::string_view data);

// Compares two strings in time that depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

// `length` characters of lowercase base32 from the OS CSPRNG (5 bits each).
std::string random_base32(std::size_t length);

}  // namespace potluck::crypto
