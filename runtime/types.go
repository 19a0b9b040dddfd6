// Package runtime stores container images and runs containers with
// libcontainer: an image is flattened once into a read-only rootfs, and each
// container gets an overlayfs upper layer of its own on top of it.
package runtime

import (
	"errors"
	"time"
)

// ErrImageNotFound is wrapped by Store lookups that match no image.
var ErrImageNotFound = errors.New("image not found")

// ErrNotExist is wrapped by Runtime calls on an unknown container id.
var ErrNotExist = errors.New("no such container")

// Image is a flattened image of the store.
type Image struct {
	ID      string   // "sha256:" + hex digest of the image config
	Tags    []string // normalized refs, e.g. "docker.io/library/busybox:latest"
	Rootfs  string   // flattened root filesystem (never written to)
	Config  ImageConfig
	Size    int64 // bytes of regular files in Rootfs
	Created time.Time
}

// ImageConfig is the part of an image's config that running it needs.
type ImageConfig struct {
	Entrypoint   []string `json:"entrypoint,omitempty"`
	Cmd          []string `json:"cmd,omitempty"`
	Env          []string `json:"env,omitempty"`
	WorkingDir   string   `json:"workingDir,omitempty"`
	User         string   `json:"user,omitempty"`
	StopSignal   string   `json:"stopSignal,omitempty"`
	ExposedPorts []string `json:"exposedPorts,omitempty"` // "80/tcp", sorted
}

// Mount is an extra mount of a container.
type Mount struct {
	Type     string // "bind" or "tmpfs"
	Source   string // host path for "bind"; ignored for "tmpfs"
	Target   string // absolute path inside the container
	ReadOnly bool
}

// Spec describes a container to start.
type Spec struct {
	ID      string // container id, [A-Za-z0-9_+.-]
	Project string // cgroups go to mini-compose/<Project>/<ID>

	Image string // flattened image rootfs, the overlay lowerdir

	Args []string
	Env  []string
	Cwd  string
	User string // "uid", "uid:gid", "name", "name:group"

	Hostname   string
	Domainname string

	// NetNS is the path of a pinned network namespace to join; "" gives the
	// container a new namespace with only lo, "host" shares the host's.
	NetNS string

	// Files maps a container path to a host file bind-mounted there.
	Files   map[string]string
	Mounts  []Mount
	Sysctls map[string]string

	ReadOnly   bool
	Privileged bool
	// CgroupHost keeps the host's cgroup namespace: the container's
	// /proc/self/cgroup then shows its path under mini-compose/.
	CgroupHost bool

	// LogPath receives stdout and stderr, appended; "" discards them.
	LogPath string
}

// State is the runtime state of a container.
type State struct {
	Status string // "running", "stopped", "created", "paused"
	Pid    int    // pid of the init process on the host, 0 when stopped
}
