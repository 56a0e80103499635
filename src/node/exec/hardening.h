#pragma once
// Privilege reduction for the sandbox: the helper leaves root before it
// builds namespaces, and the supervisor inside drops every capability, sets
// no_new_privs and installs a seccomp filter before anything untrusted runs.
#include <expected>
#include <string>

namespace potluck::node::exec {

// As root: become nobody (65534), with no supplementary groups. The process
// limit is raised first (as far as allowed) so that the per-sandbox limit set
// inside is what counts.
std::expected<void, std::string> leave_root();

// Empties the bounding, ambient, effective, permitted and inheritable sets;
// with CAP_SETPCAP also locks the securebits so exec cannot regain them.
std::expected<void, std::string> drop_capabilities();

// no_new_privs, then a filter that refuses (EPERM) ptrace, mount and
// friends, bpf, keyctl, module loading, kexec, namespace creation,
// perf_event_open, userfaultfd, io_uring, process_vm_* and similar calls,
// and answers clone3 with ENOSYS (so libc falls back to the checked clone).
std::expected<void, std::string> install_seccomp_filter();

}  // namespace potluck::node::exec
