#pragma once
// Isolation by bubblewrap: the same layout expressed as bwrap arguments. The
// supervisor inside is this program again (`potluck sandbox-exec --inside`),
// mounted read-only from an open file descriptor.
#include "node/exec/sandbox_layout.h"

#include <optional>
#include <string>
#include <vector>

namespace potluck::node::exec {

inline constexpr std::string_view kPotluckInside = "/.potluck/potluck";

// bwrap's path, if it is installed.
std::optional<std::string> find_bwrap();

// argv for execv(): bwrap, its options, then the supervisor's command line.
// `self_fd` is an O_PATH descriptor of the potluck binary.
std::vector<std::string> bwrap_arguments(const std::string& bwrap, const std::vector<Mount>& layout, int self_fd);

}  // namespace potluck::node::exec
