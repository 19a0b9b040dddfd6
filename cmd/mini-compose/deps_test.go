package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The thin CLI exists to start fast: it must not link what makes the
// complete one slow to start (compose-go and jsonschema, libcontainer,
// go-containerregistry) or the engine.
func TestThinCLILinksNoHeavyPackages(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, heavy := range []string{
			"github.com/compose-spec/", "github.com/santhosh-tekuri/jsonschema",
			"github.com/opencontainers/runc", "github.com/google/go-containerregistry",
			"github.com/mini-compose/mini-compose/engine", "github.com/mini-compose/mini-compose/project",
		} {
			if strings.HasPrefix(dep, heavy) && dep != "github.com/mini-compose/mini-compose/project/plan" {
				t.Errorf("mini-compose links %s", dep)
			}
		}
	}
}
