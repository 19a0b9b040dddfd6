package runtime

import (
	"os"
	goruntime "runtime"

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
//
// Init also locks the main goroutine to the main thread. libcontainer lets
// a goroutine exit while locked to a thread that joined a container's
// mount namespace, so that Go kills the thread; but Go cannot kill the main
// thread and wedges it instead. Had that goroutine run on the main thread,
// the process would keep the container's mounts alive forever and
// /proc/self (which follows the main thread) would show the container's
// mount namespace.
func Init() {
	if len(os.Args) > 1 && os.Args[1] == "init" {
		libcontainer.Init() // never returns
	}
	goruntime.LockOSThread()
}
