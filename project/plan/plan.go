// Package plan holds the Plan that the project package makes from compose
// files: the engine's whole input. It imports nothing heavy, so that the
// daemon (whose binary libcontainer re-executes for every container start)
// does not link the compose loader.
package plan

import "time"

// Plan is a validated, converted compose project, ready for the engine.
type Plan struct {
	Name       string
	WorkingDir string
	// Networks used by services plus declared ones, sorted by Key.
	Networks []Network
	// Services in topological order of depends_on (dependencies first).
	Services []Service
	// Volumes lists the top-level named volumes, sorted by Key.
	Volumes []Volume
}

// Network is a compose network as the engine creates (or joins) it.
type Network struct {
	Key        string // key under `networks:`
	Name       string // "<project>_<key>" unless `name:` is set
	Driver     string // "bridge" (default), "macvlan", "ipvlan", "host" or "none"
	Internal   bool
	External   bool
	EnableIPv6 bool
	Labels     map[string]string
	DriverOpts map[string]string
	IPAM       []IPAMConfig
	// Parent and Mode apply to macvlan and ipvlan networks: the host
	// interface (driver_opts.parent; "" = a dummy parent, which makes the
	// network internal as with Docker) and macvlan_mode (default "bridge")
	// or ipvlan_mode (default "l2").
	Parent string
	Mode   string
}

// IPAMConfig is one `ipam.config` entry of a network.
type IPAMConfig struct {
	Subnet       string
	IPRange      string
	Gateway      string
	AuxAddresses map[string]string
}

// Volume is a top-level named volume.
type Volume struct {
	Key      string // key under `volumes:`
	Name     string // "<project>_<key>" unless `name:` is set
	External bool
	Labels   map[string]string
}

// Service is one compose service with everything needed to run its
// containers.
type Service struct {
	Name  string
	Image string // as written in the compose file
	// ImageRef is Image normalized ("busybox" ->
	// "docker.io/library/busybox:latest"), the key of the image store.
	ImageRef string
	Replicas int // deploy.replicas / scale, default 1
	// Containers are the replicas' names, numbered from 1.
	Containers []Container
	// Entrypoint and Command are nil when not set (the image's apply).
	Entrypoint []string
	Command    []string
	// Environment holds the resolved variables; unset ones are dropped.
	Environment map[string]string
	WorkingDir  string
	User        string
	Hostname    string
	Domainname  string
	NetworkMode string // "", "none", "host", "service:<name>", "container:<name>"
	// Networks the containers join, by priority then key. Empty when
	// NetworkMode is set.
	Networks     []ServiceNetwork
	Ports        []Port
	Expose       []string
	DependsOn    []string     // service names, sorted
	Dependencies []Dependency // the same with conditions, sorted by Service
	Links        []string
	ExtraHosts   []HostEntry
	DNS          []string
	DNSSearch    []string
	DNSOpt       []string
	Restart      string // "no", "always", "on-failure[:N]", "unless-stopped"
	StopSignal   string // default "SIGTERM"
	// StopGracePeriod defaults to 10s.
	StopGracePeriod time.Duration
	Labels          map[string]string
	Sysctls         map[string]string
	Tty             bool
	StdinOpen       bool
	Init            bool
	ReadOnly        bool
	Privileged      bool
	// CgroupHost (`cgroup: host`) shares the host's cgroup namespace; the
	// default is a private one, as Docker's on cgroup v2 hosts.
	CgroupHost bool `json:",omitempty"`
	CapAdd     []string
	CapDrop    []string
	Mounts     []Mount
	// Volumes are the real names of the top-level named volumes used.
	Volumes     []string
	Healthcheck *Healthcheck // nil when the service defines none
	Resources   Resources
	Ulimits     []Ulimit
}

// Container names one replica of a service.
type Container struct {
	Name   string // "<project>-<service>-<n>" or container_name
	Number int    // 1-based replica number
}

// ServiceNetwork is a service's attachment to a network.
type ServiceNetwork struct {
	Key           string // key of the network in Plan.Networks
	Aliases       []string
	IPv4Address   string
	IPv6Address   string
	MacAddress    string
	InterfaceName string
	Priority      int
	GwPriority    int
}

// Port is one published port. compose-go expands "8000-8001:80-81" into
// one Port per container port, so ContainerPortEnd is set only when a long
// syntax entry carries a range; HostPortEnd is set for "8000-8010:80"
// (one host port picked from the range).
type Port struct {
	HostIP           string
	HostPort         uint16 // 0 = random
	HostPortEnd      uint16 // 0 = single port
	ContainerPort    uint16
	ContainerPortEnd uint16 // 0 = single port
	Protocol         string // "tcp" or "udp"
}

// Dependency is one depends_on entry with its condition.
type Dependency struct {
	Service   string
	Condition string // "service_started", "service_healthy", "service_completed_successfully"
	Required  bool
	Restart   bool
}

// HostEntry is an extra /etc/hosts line. IP may be the literal
// "host-gateway", which the engine replaces.
type HostEntry struct {
	Name string
	IP   string
}

// Mount is a filesystem mount of a container.
type Mount struct {
	Type     string // "bind", "volume" or "tmpfs"
	Source   string // absolute host path, real volume name, or "" for tmpfs
	Target   string
	ReadOnly bool
	// Size and Mode apply to tmpfs only (0 = kernel default).
	Size int64
	Mode uint32
	// CreateHostPath asks for a missing bind source directory to be created.
	CreateHostPath bool
}

// Healthcheck is a service's healthcheck, with compose defaults applied.
type Healthcheck struct {
	Test          []string // e.g. ["CMD", "curl", ...] or ["CMD-SHELL", "..."]
	Interval      time.Duration
	Timeout       time.Duration
	StartPeriod   time.Duration
	StartInterval time.Duration
	Retries       int
	Disable       bool
}

// Resources are the cgroup limits of each container (0 = unlimited).
type Resources struct {
	MemoryLimit int64   // bytes
	CPUs        float64 // number of CPUs, e.g. 0.5
	PidsLimit   int64
}

// Ulimit is one resource limit of the container's processes.
type Ulimit struct {
	Name       string // e.g. "nofile"
	Soft, Hard int64
}
