package runtime

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/moby/sys/capability"
	"github.com/opencontainers/runc/libcontainer/configs"
	"github.com/opencontainers/runc/libcontainer/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// defaultCaps is docker's default capability set.
var defaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// cgroupPath is the cgroup of a container, absolute so that it does not
// nest under the cgroup of whoever starts it.
func cgroupPath(project, id string) string {
	return "/" + path.Join(cgroupRoot, project, id)
}

const cgroupRoot = "mini-compose"

// libcontainerConfig turns a Spec into a libcontainer config for a rootfs
// that is already mounted at rootfs.
func libcontainerConfig(s Spec, rootfs string, uid uint32) (*configs.Config, error) {
	sp := specconv.Example()
	sp.Root = &specs.Root{Path: rootfs, Readonly: s.ReadOnly}
	sp.Process.Terminal = false
	sp.Process.NoNewPrivileges = false
	sp.Process.Rlimits = nil // inherit ours: raising above host limits fails here
	sp.Process.User.UID = uid
	sp.Hostname = s.Hostname
	sp.Domainname = s.Domainname
	sp.Linux.CgroupsPath = cgroupPath(s.Project, s.ID)
	sp.Linux.Sysctl = s.Sysctls

	caps := defaultCaps
	if s.Privileged {
		all, err := boundingCaps()
		if err != nil {
			return nil, err
		}
		caps = all
		sp.Linux.MaskedPaths = nil
		sp.Linux.ReadonlyPaths = nil
		sp.Linux.Resources.Devices = []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}
		for i, m := range sp.Mounts {
			if m.Destination == "/sys" || m.Destination == "/sys/fs/cgroup" {
				sp.Mounts[i].Options = without(m.Options, "ro")
			}
		}
	}
	c := &specs.LinuxCapabilities{Bounding: caps}
	if uid == 0 {
		// Like docker: a non-root user starts without effective caps.
		c.Permitted, c.Effective = caps, caps
	}
	sp.Process.Capabilities = c

	sp.Linux.Namespaces = namespaces(sp.Linux.Namespaces, s.NetNS, s.CgroupHost)

	for _, dst := range sortedKeys(s.Files) {
		sp.Mounts = append(sp.Mounts, specs.Mount{Type: "bind", Source: s.Files[dst], Destination: dst, Options: []string{"bind", "rprivate"}})
	}
	for _, m := range s.Mounts {
		sm, err := specMount(m)
		if err != nil {
			return nil, err
		}
		sp.Mounts = append(sp.Mounts, sm)
	}
	cfg, err := specconv.CreateLibcontainerConfig(&specconv.CreateOpts{CgroupName: s.ID, Spec: sp})
	if err != nil {
		return nil, fmt.Errorf("convert container config: %w", err)
	}
	return cfg, nil
}

// namespaces returns base (specconv's example set) with the network and
// cgroup namespaces as the container asks: netns "" is a new network
// namespace, "host" the host's, anything else the path of one to join.
// The cgroup namespace is private, as Docker's on cgroup v2 hosts (on v1
// Docker keeps the host's), unless cgroupHost. Besides isolation it makes
// starts cheaper on v1: the init mounts each hierarchy once instead of
// bind-mounting the container's directory of each and remounting it
// read-only (BENCHMARKS.md, session 5: 20-service up -7 %). specconv's
// example already holds a cgroup namespace on v2 hosts: it is replaced, as
// libcontainer refuses a namespace twice.
func namespaces(base []specs.LinuxNamespace, netns string, cgroupHost bool) []specs.LinuxNamespace {
	var ns []specs.LinuxNamespace
	for _, n := range base {
		if n.Type != specs.NetworkNamespace && n.Type != specs.CgroupNamespace {
			ns = append(ns, n)
		}
	}
	switch netns {
	case "":
		ns = append(ns, specs.LinuxNamespace{Type: specs.NetworkNamespace})
	case "host":
	default:
		ns = append(ns, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: netns})
	}
	if !cgroupHost {
		ns = append(ns, specs.LinuxNamespace{Type: specs.CgroupNamespace})
	}
	return ns
}

func specMount(m Mount) (specs.Mount, error) {
	if !path.IsAbs(m.Target) {
		return specs.Mount{}, fmt.Errorf("mount target %q is not absolute", m.Target)
	}
	var opts []string
	switch m.Type {
	case "bind":
		opts = []string{"rbind", "rprivate"}
	case "tmpfs":
		opts = []string{"nosuid", "nodev"}
	default:
		return specs.Mount{}, fmt.Errorf("mount %q: unsupported type %q", m.Target, m.Type)
	}
	if m.ReadOnly {
		opts = append(opts, "ro")
	}
	src := m.Source
	if m.Type == "tmpfs" {
		src = "tmpfs"
	}
	return specs.Mount{Type: m.Type, Source: src, Destination: m.Target, Options: opts}, nil
}

// boundingCaps lists the capabilities of our own bounding set: asking for
// more (CAP_SYS_RESOURCE is missing on some hosts) makes the start fail.
func boundingCaps() ([]string, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return nil, fmt.Errorf("read bounding capabilities: %w", err)
	}
	defer f.Close()
	var mask uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapBnd:"); ok {
			mask, err = strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return nil, fmt.Errorf("parse CapBnd %q: %w", v, err)
			}
		}
	}
	var out []string
	for _, c := range capability.ListKnown() {
		if mask&(1<<uint(c)) != 0 {
			out = append(out, "CAP_"+strings.ToUpper(c.String()))
		}
	}
	return out, nil
}

func without(list []string, drop string) []string {
	var out []string
	for _, s := range list {
		if s != drop {
			out = append(out, s)
		}
	}
	return out
}
