// Package setxid, linked into a binary built against musl, turns the C
// library's set*id functions into plain system calls on the calling
// thread. With glibc it adds nothing.
//
// Go routes syscall.Setuid and its kin (and so libcontainer's init, which
// calls setgid and setuid before it execs a container's process; its
// setgroups is x/sys's raw system call) through the C library when cgo is
// linked. musl applies them to
// every thread by signalling each one (__synccall), and musl before 1.2.4
// (Debian 12 ships 1.2.3) installs that signal handler without
// SA_ONSTACK: it runs on whatever stack the thread is on, which for a Go
// thread can be a small goroutine stack that it silently overflows
// (golang/go#39857, #54306). The system calls themselves are per thread;
// in our binaries the only callers are libcontainer's inits (a container's
// and an exec's), which call them on their locked main thread right before
// execve, which keeps that thread alone: the other threads' credentials
// never reach the container. libcontainer sets capabilities the same way,
// per thread. TestMuslBinariesHaveNoSynccall (internal/e2e) checks that
// musl's __synccall is not linked into the binaries at all.
package setxid

/*
#include <features.h>
#ifndef __GLIBC__
#include <grp.h>
#include <unistd.h>
#include <sys/syscall.h>

// On 32-bit architectures the plain numbers are the old 16-bit calls.
#ifdef SYS_setuid32
#undef SYS_setuid
#undef SYS_setgid
#undef SYS_setreuid
#undef SYS_setregid
#undef SYS_setresuid
#undef SYS_setresgid
#undef SYS_setgroups
#define SYS_setuid SYS_setuid32
#define SYS_setgid SYS_setgid32
#define SYS_setreuid SYS_setreuid32
#define SYS_setregid SYS_setregid32
#define SYS_setresuid SYS_setresuid32
#define SYS_setresgid SYS_setresgid32
#define SYS_setgroups SYS_setgroups32
#endif

// (No //export in this package: cgo would copy this preamble into
// _cgo_export.c and define each function twice.)
int setuid(uid_t uid) { return syscall(SYS_setuid, uid); }
int setgid(gid_t gid) { return syscall(SYS_setgid, gid); }
int seteuid(uid_t euid) { return syscall(SYS_setresuid, -1, euid, -1); }
int setegid(gid_t egid) { return syscall(SYS_setresgid, -1, egid, -1); }
int setreuid(uid_t ruid, uid_t euid) { return syscall(SYS_setreuid, ruid, euid); }
int setregid(gid_t rgid, gid_t egid) { return syscall(SYS_setregid, rgid, egid); }
int setresuid(uid_t ruid, uid_t euid, uid_t suid) { return syscall(SYS_setresuid, ruid, euid, suid); }
int setresgid(gid_t rgid, gid_t egid, gid_t sgid) { return syscall(SYS_setresgid, rgid, egid, sgid); }
int setgroups(size_t size, const gid_t *list) { return syscall(SYS_setgroups, size, list); }
#endif
*/
import "C"
