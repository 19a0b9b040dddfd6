// Package daemon is the long-lived process of a state root: it serves the
// engine over a unix socket, owns the embedded DNS and the watch over
// containers, and exits by itself when no project is left.
package daemon

import (
	"path/filepath"
	"time"

	"github.com/mini-compose/mini-compose/engine"
	"github.com/mini-compose/mini-compose/project/plan"
)

// UpRequest asks the daemon to bring a project up.
type UpRequest struct {
	Plan    *plan.Plan       `json:"plan"`
	Options engine.UpOptions `json:"options"`
}

// DownRequest asks the daemon to remove a project.
type DownRequest struct {
	Project string         `json:"project"`
	Timeout *time.Duration `json:"timeout,omitempty"`
	Volumes bool           `json:"volumes,omitempty"`
}

// errorReply carries a failure back to the client.
type errorReply struct {
	Error string `json:"error"`
}

// SocketPath is where the daemon of root listens.
func SocketPath(root string) string { return filepath.Join(root, "daemon.sock") }

func lockPath(root string) string { return filepath.Join(root, "daemon.lock") }

// LogPath is the daemon's own log.
func LogPath(root string) string { return filepath.Join(root, "daemon.log") }
