// Package api holds what the CLI and the daemon say to each other: the
// requests and replies of the daemon's HTTP API over its unix socket, and
// where the state root keeps the files both sides read. It is a leaf: the
// CLI links it without the engine, the runtime or libcontainer.
package api

import (
	"path/filepath"
	"time"

	"github.com/mini-compose/mini-compose/project/plan"
)

// UpRequest asks the daemon to bring a project up.
type UpRequest struct {
	Plan    *plan.Plan `json:"plan"`
	Options UpOptions  `json:"options"`
}

// DownRequest asks the daemon to remove a project.
type DownRequest struct {
	Project string         `json:"project"`
	Timeout *time.Duration `json:"timeout,omitempty"`
	Volumes bool           `json:"volumes,omitempty"`
}

// ErrorReply carries a failure back to the client.
type ErrorReply struct {
	Error string `json:"error"`
}

// SocketPath is where the daemon of root listens.
func SocketPath(root string) string { return filepath.Join(root, "daemon.sock") }

// DaemonLogPath is the daemon's own log.
func DaemonLogPath(root string) string { return filepath.Join(root, "daemon.log") }

// LogPath is where a container's stdout and stderr are written.
func LogPath(root, container string) string {
	return filepath.Join(root, "logs", container+".log")
}

// UpOptions tune Up like docker compose up's flags.
type UpOptions struct {
	ForceRecreate bool
	NoRecreate    bool
	RemoveOrphans bool
	// KnownServices names every service of the compose files, also those
	// not selected for this up (`up web`) or disabled by profiles: only
	// containers of other services are orphans. Empty: the plan's services.
	KnownServices []string
}

// DownOptions tune Down.
type DownOptions struct {
	Timeout *time.Duration // overrides every service's stop_grace_period
	Volumes bool           // also remove named and anonymous volumes (-v)
}

// ContainerSummary is one row of ps.
type ContainerSummary struct {
	Name     string    `json:"name"`
	ID       string    `json:"id"`
	Project  string    `json:"project"`
	Service  string    `json:"service"`
	Number   int       `json:"number"` // replica number, 1-based
	Image    string    `json:"image"`
	Command  string    `json:"command"`
	State    string    `json:"state"` // running, exited, created, paused
	Status   string    `json:"status"`
	ExitCode int       `json:"exit_code"`
	Pid      int       `json:"pid"`
	Ports    []string  `json:"ports"`
	Networks []string  `json:"networks"`
	Created  time.Time `json:"created"`
}
