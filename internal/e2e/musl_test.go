package e2e

import (
	"debug/elf"
	"slices"
	"strings"
	"testing"
)

// The binaries that run container inits, when linked against musl, must
// not contain musl's __synccall: it signals every thread with a handler
// that may run on a goroutine stack (see internal/setxid). A new C library
// call of Go's runtime or of libcontainer that reaches it fails this test.
func TestMuslBinariesHaveNoSynccall(t *testing.T) {
	skipUnlessHermetic(t)
	for _, name := range []string{binary + "-daemon", binary + "-full"} {
		f, err := elf.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		syms, err := f.Symbols()
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		musl, synccall := false, false
		for _, s := range syms {
			switch s.Name {
			case "__init_libc": // musl's start-up; glibc has no such symbol
				musl = true
			case "__synccall":
				synccall = true
			}
		}
		if !musl {
			t.Logf("%s is not linked against musl (no musl-gcc?): nothing to check", name)
			continue
		}
		if synccall {
			t.Errorf("%s links musl's __synccall", name)
		}
	}
}

// Both inits switch user through internal/setxid's set*id in a musl
// build: a container's (the image test checks its uid) and an exec's.
func TestExecAsUser(t *testing.T) {
	s := newStack(t)
	file := writeCompose(t, "services:\n  a:"+sleeper+"\n")
	s.mustRun("-f", file, "up", "-d")
	defer s.run("-f", file, "down", "-t", "0")
	out := s.mustRun("-f", file, "exec", "-T", "-u", "1234:4321", "a", "sh", "-c", "id -u; id -g; id -G")
	if got := strings.Fields(out); !slices.Equal(got, []string{"1234", "4321", "4321"}) {
		t.Errorf("exec -u 1234:4321: id -u, -g, -G = %q", got)
	}
}
