// Package daemon is the long-lived process of a state root: it serves the
// engine over a unix socket (the API of package api), owns the embedded
// DNS and the watch over containers, and exits by itself when no project
// is left.
package daemon

import "path/filepath"

func lockPath(root string) string { return filepath.Join(root, "daemon.lock") }
