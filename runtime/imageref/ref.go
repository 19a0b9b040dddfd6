// Package imageref normalizes image references the way docker does. It is
// a leaf package of its own so that the daemon, which only looks up refs
// the CLI already normalized, does not link the reference parser.
package imageref

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Normalize returns the canonical form of an image reference:
// "busybox" -> "docker.io/library/busybox:latest".
func Normalize(ref string) (string, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", fmt.Errorf("parse image reference %q: %w", ref, err)
	}
	n := r.Name()
	if rest, ok := strings.CutPrefix(n, name.DefaultRegistry+"/"); ok {
		n = "docker.io/" + rest
	}
	return n, nil
}
