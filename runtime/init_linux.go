package runtime

import (
	"os"

	// Device cgroup rules need the devices manager registered.
	_ "github.com/opencontainers/cgroups/devices"
	"github.com/opencontainers/runc/libcontainer"
	// The C constructor that joins namespaces in the re-executed init.
	_ "github.com/opencontainers/runc/libcontainer/nsenter"
)

// Init must be called from an init() of every binary (and test package)
// that starts containers: libcontainer re-executes the binary as
// "<self> init" inside the new namespaces, and Init turns that process into
// the container's init. It returns at once in any other process.
func Init() {
	if len(os.Args) > 1 && os.Args[1] == "init" {
		libcontainer.Init() // never returns
	}
}
