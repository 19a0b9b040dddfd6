package engine

import (
	"testing"

	"github.com/mini-compose/mini-compose/project/plan"
)

// Containers made before plans carried ImageRef must keep their hash, or
// the first `up` after an upgrade would recreate every one of them.
func TestServiceHashIgnoresImageRef(t *testing.T) {
	old := plan.Service{Name: "web", Image: "busybox", Command: []string{"true"}}
	cur := old
	cur.ImageRef = "docker.io/library/busybox:latest"
	if serviceHash(&old, "sha256:1") != serviceHash(&cur, "sha256:1") {
		t.Error("ImageRef changes the service hash")
	}
	if cur.ImageRef == "" {
		t.Error("serviceHash cleared the caller's ImageRef")
	}
	other := cur
	other.Command = []string{"false"}
	if serviceHash(&cur, "sha256:1") == serviceHash(&other, "sha256:1") || serviceHash(&cur, "sha256:1") == serviceHash(&cur, "sha256:2") {
		t.Error("the hash ignores the command or the image id")
	}
}
