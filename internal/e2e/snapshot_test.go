package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// hostState is what `down` must give back exactly as it was before `up`.
type hostState struct {
	links, addrs, ruleset, mounts, cgroups []string
}

var ifIndex = regexp.MustCompile(`^\d+: `)

func lines(t *testing.T, name string, args ...string) []string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	var ls []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(ifIndex.ReplaceAllString(l, "")); l != "" {
			ls = append(ls, l)
		}
	}
	sort.Strings(ls)
	return ls
}

// snapshot records the host state that a stack of root may touch. Mounts
// and cgroups are looked at under our root and our cgroup parent only, since
// other test packages create their own in parallel.
func snapshot(t *testing.T, root string, projects ...string) hostState {
	t.Helper()
	var s hostState
	for _, l := range lines(t, "ip", "-o", "link") {
		// Counters and flags change; the set of links is what matters.
		s.links = append(s.links, strings.Fields(l)[0])
	}
	for _, l := range lines(t, "ip", "-o", "addr") {
		f := strings.Fields(l)
		s.addrs = append(s.addrs, strings.Join(f[:min(4, len(f))], " "))
	}
	s.ruleset = lines(t, "nft", "list", "ruleset")
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(mi), "\n") {
		if f := strings.Fields(l); len(f) > 4 && (strings.HasPrefix(f[4], root) || strings.HasPrefix(f[4], "/run/netns/")) {
			s.mounts = append(s.mounts, f[4])
		}
	}
	sort.Strings(s.mounts)
	for _, proj := range projects {
		dirs, _ := filepath.Glob("/sys/fs/cgroup/*/mini-compose/" + proj)
		for _, d := range dirs {
			_ = filepath.Walk(d, func(p string, info os.FileInfo, err error) error {
				if err == nil && info.IsDir() {
					s.cgroups = append(s.cgroups, p)
				}
				return nil
			})
		}
	}
	sort.Strings(s.cgroups)
	return s
}

func diff(a, b []string) (gone, added []string) {
	in := func(xs []string, x string) bool {
		for _, y := range xs {
			if y == x {
				return true
			}
		}
		return false
	}
	for _, x := range a {
		if !in(b, x) {
			gone = append(gone, x)
		}
	}
	for _, x := range b {
		if !in(a, x) {
			added = append(added, x)
		}
	}
	return gone, added
}

// assertSame fails the test if the host differs from the snapshot.
func assertSame(t *testing.T, before hostState, root string, projects ...string) {
	t.Helper()
	after := snapshot(t, root, projects...)
	for _, c := range []struct {
		what    string
		was, is []string
	}{
		{"links", before.links, after.links}, {"addresses", before.addrs, after.addrs},
		{"nftables ruleset", before.ruleset, after.ruleset}, {"mounts", before.mounts, after.mounts},
		{"cgroups", before.cgroups, after.cgroups},
	} {
		if gone, added := diff(c.was, c.is); len(gone)+len(added) > 0 {
			t.Errorf("%s differ after down: gone %q, left behind %q", c.what, gone, added)
		}
	}
}
