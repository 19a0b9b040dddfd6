package runtime

import (
	"reflect"
	"testing"

	"github.com/opencontainers/runc/libcontainer/configs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestNamespaces(t *testing.T) {
	pidMnt := []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.MountNamespace}}
	v1 := append(append([]specs.LinuxNamespace{}, pidMnt...), specs.LinuxNamespace{Type: specs.NetworkNamespace})
	// specconv's example on a cgroup v2 host already asks for a cgroup
	// namespace: asking again made libcontainer refuse every start there.
	v2 := append(append([]specs.LinuxNamespace{}, v1...), specs.LinuxNamespace{Type: specs.CgroupNamespace})
	newNet := specs.LinuxNamespace{Type: specs.NetworkNamespace}
	joinNet := specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/run/netns/x"}
	cgroup := specs.LinuxNamespace{Type: specs.CgroupNamespace}
	with := func(extra ...specs.LinuxNamespace) []specs.LinuxNamespace {
		return append(append([]specs.LinuxNamespace{}, pidMnt...), extra...)
	}
	for _, base := range [][]specs.LinuxNamespace{v1, v2} {
		cases := []struct {
			netns      string
			cgroupHost bool
			want       []specs.LinuxNamespace
		}{
			{"", false, with(newNet, cgroup)},
			{"", true, with(newNet)},
			{"host", false, with(cgroup)},
			{"/run/netns/x", true, with(joinNet)},
		}
		for _, c := range cases {
			if got := namespaces(base, c.netns, c.cgroupHost); !reflect.DeepEqual(got, c.want) {
				t.Errorf("namespaces(%v, %q, %v) = %v, want %v", base, c.netns, c.cgroupHost, got, c.want)
			}
		}
	}
}

// The config libcontainer gets has the cgroup namespace once, or not at
// all with `cgroup: host`, whatever the host's cgroup version.
func TestConfigCgroupNamespace(t *testing.T) {
	for _, host := range []bool{false, true} {
		cfg, err := libcontainerConfig(Spec{ID: "c1", Project: "p", Args: []string{"/bin/true"}, CgroupHost: host}, t.TempDir(), 0)
		if err != nil {
			t.Fatalf("CgroupHost %v: %v", host, err)
		}
		n := 0
		for _, ns := range cfg.Namespaces {
			if ns.Type == configs.NEWCGROUP {
				n++
			}
		}
		if want := map[bool]int{false: 1, true: 0}[host]; n != want {
			t.Errorf("CgroupHost %v: %d cgroup namespaces, want %d", host, n, want)
		}
	}
}
