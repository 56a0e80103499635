#pragma once
// The supervisor: the first program inside the sandbox. It gives up every
// privilege, reads the spec (fd 3), writes the files into the work
// directory, compiles if the language needs it, runs the program with its
// limits (stdin is fd 0, output goes to fds 1 and 2), stops it at its wall
// clock or when the node closes the stop pipe (fd 5), and reports how it
// ended (fd 4).
#include <string_view>

namespace potluck::node::exec {

// Returns the supervisor's exit code (0 once a report was written).
int supervise();

// Writes a "setup" report: the sandbox could not be prepared. `why` names
// the failing step, never content.
void report_setup_failure(std::string_view why);

}  // namespace potluck::node::exec
