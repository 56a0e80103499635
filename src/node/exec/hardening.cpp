#include "node/exec/hardening.h"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

#ifndef SECBIT_NOROOT
#include <linux/securebits.h>
#endif

namespace potluck::node::exec {
namespace {

constexpr uid_t kNobody = 65534;

std::unexpected<std::string> failure(std::string_view what) {
  return std::unexpected(std::string(what) + ": " + std::strerror(errno));
}

#if defined(__x86_64__)
constexpr std::uint32_t kAuditArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr std::uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
#else
#error "the exec sandbox's seccomp filter knows x86_64 and aarch64 only"
#endif

// Calls no sandboxed program needs and that widen the kernel's attack
// surface or reach outside the sandbox.
const std::vector<long>& refused_syscalls() {
  static const std::vector<long> calls{
      SYS_ptrace, SYS_mount, SYS_umount2, SYS_pivot_root, SYS_chroot, SYS_bpf, SYS_keyctl, SYS_add_key,
      SYS_request_key, SYS_kexec_load, SYS_kexec_file_load, SYS_init_module, SYS_finit_module,
      SYS_delete_module, SYS_perf_event_open, SYS_unshare, SYS_setns, SYS_userfaultfd,
      SYS_process_vm_readv, SYS_process_vm_writev, SYS_open_by_handle_at, SYS_name_to_handle_at,
      SYS_reboot, SYS_swapon, SYS_swapoff, SYS_syslog, SYS_acct, SYS_quotactl, SYS_fanotify_init,
      SYS_settimeofday, SYS_clock_settime, SYS_clock_adjtime, SYS_adjtimex, SYS_vhangup, SYS_kcmp,
      SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register, SYS_pidfd_getfd,
      SYS_open_tree, SYS_move_mount, SYS_fsopen, SYS_fsconfig, SYS_fsmount, SYS_fspick,
      SYS_mount_setattr,
#ifdef SYS_iopl
      SYS_iopl, SYS_ioperm, SYS_uselib, SYS_lookup_dcookie,
#endif
  };
  return calls;
}

constexpr std::uint32_t kNamespaceFlags = CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
                                          CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;

// Builds the BPF program. Jumps are relative, so the verdicts sit at the end
// and each test jumps forward to them.
std::vector<sock_filter> build_filter() {
  std::vector<sock_filter> prog;
  auto load = [&](std::uint32_t offset) { prog.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset)); };
  // Placeholders for jumps to the verdicts; fixed once their index is known.
  std::vector<std::size_t> to_deny, to_enosys;
  auto jump_if = [&](std::uint16_t op, std::uint32_t k, std::vector<std::size_t>& target) {
    target.push_back(prog.size());
    prog.push_back(BPF_JUMP(BPF_JMP | op | BPF_K, k, 0, 0));
  };

  load(offsetof(seccomp_data, arch));
  prog.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0));
  prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
  load(offsetof(seccomp_data, nr));
#if defined(__x86_64__)
  jump_if(BPF_JGE, 0x40000000, to_deny);  // the x32 ABI
#endif
  for (long nr : refused_syscalls()) jump_if(BPF_JEQ, static_cast<std::uint32_t>(nr), to_deny);
  jump_if(BPF_JEQ, SYS_clone3, to_enosys);
  // clone with a namespace flag (first argument, low word).
  prog.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 2));
  load(offsetof(seccomp_data, args[0]));
  jump_if(BPF_JSET, kNamespaceFlags, to_deny);
  load(offsetof(seccomp_data, nr));
  // ioctl(fd, TIOCSTI): typing into a terminal the sandbox might share.
  prog.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 2));
  load(offsetof(seccomp_data, args[1]));
  jump_if(BPF_JEQ, TIOCSTI, to_deny);
  prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));

  const std::size_t deny_at = prog.size();
  prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)));
  const std::size_t enosys_at = prog.size();
  prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)));
  for (auto at : to_deny) prog[at].jt = static_cast<std::uint8_t>(deny_at - at - 1);
  for (auto at : to_enosys) prog[at].jt = static_cast<std::uint8_t>(enosys_at - at - 1);
  return prog;
}

}  // namespace

std::expected<void, std::string> leave_root() {
  // Without CAP_SYS_RESOURCE (as in many containers) the hard limit stays.
  rlimit nproc{RLIM_INFINITY, RLIM_INFINITY};
  if (::setrlimit(RLIMIT_NPROC, &nproc) != 0 && ::getrlimit(RLIMIT_NPROC, &nproc) == 0) {
    nproc.rlim_cur = nproc.rlim_max;
    ::setrlimit(RLIMIT_NPROC, &nproc);
  }
  if (::setgroups(0, nullptr) != 0) return failure("setgroups");
  if (::setresgid(kNobody, kNobody, kNobody) != 0) return failure("setresgid");
  if (::setresuid(kNobody, kNobody, kNobody) != 0) return failure("setresuid");
  // A credential change clears "dumpable", which would make our children's
  // /proc files (uid_map among them) root's and unwritable for us.
  if (::prctl(PR_SET_DUMPABLE, 1) != 0) return failure("prctl(PR_SET_DUMPABLE)");
  return {};
}

std::expected<void, std::string> drop_capabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) != 0) return failure("capget");
  const bool can_setpcap = data[0].effective & (1u << CAP_SETPCAP);
  if (can_setpcap) {
    const unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                               SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED;
    if (::prctl(PR_SET_SECUREBITS, bits) != 0) return failure("prctl(PR_SET_SECUREBITS)");
  }
  for (int cap = 0; ::prctl(PR_CAPBSET_READ, cap) >= 0; ++cap) {
    if (::prctl(PR_CAPBSET_READ, cap) == 1 && ::prctl(PR_CAPBSET_DROP, cap) != 0)
      return failure("prctl(PR_CAPBSET_DROP)");
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    return failure("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
  std::memset(data, 0, sizeof data);
  if (::syscall(SYS_capset, &header, data) != 0) return failure("capset");
  return {};
}

std::expected<void, std::string> install_seccomp_filter() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return failure("prctl(PR_SET_NO_NEW_PRIVS)");
  auto prog = build_filter();
  sock_fprog fprog{static_cast<unsigned short>(prog.size()), prog.data()};
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) return failure("seccomp");
  return {};
}

}  // namespace potluck::node::exec
