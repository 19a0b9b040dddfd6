package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Named volumes keep their data across down/up and go with down -v;
// anonymous ones likewise; bind sources are created when missing.
func TestVolumes(t *testing.T) {
	s := newStack(t)
	hostDir := filepath.Join(t.TempDir(), "made-by-up")
	file := writeCompose(t, fmt.Sprintf(`
services:
  db:
    image: mini-compose/hello:latest
    command: ["sh", "-c", "cat /data/n /anon/n /host/n 2>/dev/null; echo x >> /data/n; echo y >> /anon/n; echo z >> /host/n; trap 'exit 0' TERM; sleep 3600 & wait"]
    volumes:
      - data:/data
      - /anon
      - %s:/host
volumes:
  data: {}
`, hostDir))
	s.mustRun("-f", file, "up", "-d")
	eventually(t, 10*time.Second, "db wrote into its volumes", func() error {
		_, err := os.Stat(filepath.Join(hostDir, "n"))
		return err
	})
	if _, err := os.Stat(hostDir); err != nil {
		t.Fatalf("bind source not created: %v", err)
	}
	s.mustRun("-f", file, "down", "-t", "0")
	s.mustRun("-f", file, "up", "-d")
	eventually(t, 10*time.Second, "the second db sees the first one's writes", func() error {
		if logs := s.mustRun("-f", file, "logs", "db"); strings.Count(logs, "| x") != 1 || strings.Count(logs, "| y") != 1 || strings.Count(logs, "| z") != 1 {
			return fmt.Errorf("logs: %q", logs)
		}
		return nil
	})
	s.mustRun("-f", file, "down", "-v", "-t", "0")
	if left, _ := filepath.Glob(filepath.Join(s.root, "volumes", "*")); len(left) != 0 {
		t.Errorf("volumes left after down -v: %v", left)
	}
	if _, err := os.Stat(filepath.Join(hostDir, "n")); err != nil {
		t.Errorf("down -v removed a bind-mounted host file: %v", err)
	}
}
