package resolver

import (
	"bufio"
	"bytes"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// resolvConf follows the host's resolv.conf: read at start, re-read when
// its inode, size or mtime changes, checked at most once a second.
// Loopback nameservers (127.0.0.53) are kept: the server runs in the
// host's network namespace and reaches them directly.
type resolvConf struct {
	path    string
	every   time.Duration
	mu      sync.Mutex   // one refresher at a time
	checked atomic.Int64 // unix nanoseconds of the last stat
	state   atomic.Pointer[rcState]
}

// rcState is one read of the file.
type rcState struct {
	ino, size uint64
	mtime     time.Time
	servers   []string
}

func newResolvConf(path string) *resolvConf {
	rc := &resolvConf{path: path, every: time.Second}
	rc.state.Store(&rcState{})
	rc.refresh(time.Now())
	return rc
}

// servers returns the current nameservers as "ip:53" strings.
func (rc *resolvConf) servers() []string {
	now := time.Now()
	if now.UnixNano()-rc.checked.Load() >= int64(rc.every) && rc.mu.TryLock() {
		rc.refresh(now)
		rc.mu.Unlock()
	}
	return rc.state.Load().servers
}

// refresh re-reads the file if it changed since the last read. A missing
// file means no nameservers.
func (rc *resolvConf) refresh(now time.Time) {
	rc.checked.Store(now.UnixNano())
	fi, err := os.Stat(rc.path)
	if err != nil {
		rc.state.Store(&rcState{})
		return
	}
	next := &rcState{size: uint64(fi.Size()), mtime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		next.ino = st.Ino
	}
	cur := rc.state.Load()
	if cur.servers != nil && cur.ino == next.ino && cur.size == next.size && cur.mtime.Equal(next.mtime) {
		return
	}
	data, err := os.ReadFile(rc.path)
	if err != nil {
		return // keep the previous servers; retried after the next interval
	}
	next.servers = parseNameservers(data)
	if next.servers == nil {
		next.servers = []string{} // non-nil: "read, and empty"
	}
	rc.state.Store(next)
}

// parseNameservers returns the "nameserver" addresses of a resolv.conf as
// "ip:53", in file order, skipping malformed lines.
func parseNameservers(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexAny(line, "#;"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "nameserver" {
			continue
		}
		a, err := netip.ParseAddr(f[1])
		if err != nil {
			continue
		}
		out = append(out, net.JoinHostPort(a.Unmap().String(), "53"))
	}
	return out
}
