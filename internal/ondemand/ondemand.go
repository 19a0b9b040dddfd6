// Package ondemand runs the state root's long-lived helpers (the daemon,
// the warm loader) on demand: a client that finds no server answering on
// its unix socket starts one, detached, and connects once it listens; a
// server owns its socket through an exclusive lock.
package ondemand

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// ErrNotStarted: the server did not listen within the start timeout.
var ErrNotStarted = errors.New("did not start")

// Dial connects to the unix socket sock. When nothing answers it calls
// start, which launches the server, and retries until the server listens
// or 10 s have passed.
func Dial(ctx context.Context, sock string, start func() error) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", sock)
	if err == nil {
		return conn, nil
	}
	// Only a missing socket, or one nobody listens on, means "no server";
	// anything else (permissions, a path too long for a socket) would not
	// be mended by starting one.
	if !errors.Is(err, syscall.ENOENT) && !errors.Is(err, syscall.ECONNREFUSED) {
		return nil, err
	}
	if err := start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(5 * time.Millisecond) {
		if conn, err = d.DialContext(ctx, "unix", sock); err == nil {
			return conn, nil
		}
	}
	return nil, ErrNotStarted
}

// StartError is a failure to start the server (not to talk to it).
type StartError struct{ Err error }

func (e *StartError) Error() string { return e.Err.Error() }
func (e *StartError) Unwrap() error { return e.Err }

// DialOrStart connects to the server of a state root listening on sock,
// starting argv (detached, output appended to logPath) when none answers.
// A failure to start it, or a server that does not listen in time, is a
// *StartError.
func DialOrStart(ctx context.Context, root, sock, logPath string, argv []string) (net.Conn, error) {
	conn, err := Dial(ctx, sock, func() error {
		if len(argv) == 0 {
			return errors.New("no server binary to start")
		}
		if err := os.MkdirAll(root, 0o700); err != nil {
			return err
		}
		return Spawn(logPath, argv...)
	})
	if err != nil {
		// Dial fails when it found no server and could not start one,
		// or when the socket cannot be used at all.
		return nil, &StartError{err}
	}
	return conn, nil
}

// Spawn starts argv detached from the caller: in its own session, in /,
// with stdout and stderr appended to logPath.
func Spawn(logPath string, argv ...string) error {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", argv[0], err)
	}
	return cmd.Process.Release()
}

// Own makes a server the owner of its state root: it creates root and
// takes the exclusive lock of the file lockPath, which the caller keeps
// open for as long as it serves. A server that is exiting holds the lock
// for a moment longer: Own waits up to 5 s for it, then returns a nil
// file, which leaves the socket to the server that holds the lock.
func Own(root, lockPath string) (*os.File, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			return f, nil
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, nil
		}
	}
}

// Listen listens on the unix socket sock, replacing one left by a server
// that died (only the owner of the root's lock calls it).
func Listen(sock string) (net.Listener, error) {
	_ = os.Remove(sock)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", sock, err)
	}
	return ln, nil
}

// Executable returns the path of the sibling binary name, installed next
// to the running one, if it is there and executable.
func Executable(name string) (string, bool) {
	self, err := os.Executable()
	if err != nil {
		return "", false
	}
	p := filepath.Join(filepath.Dir(self), name)
	fi, err := os.Stat(p)
	return p, err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}
