package runtime

import (
	"os"
	goruntime "runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	// Device cgroup rules need the devices manager registered.
	_ "github.com/opencontainers/cgroups/devices"
	"github.com/opencontainers/runc/libcontainer"
	// The C constructor that joins namespaces in the re-executed init.
	_ "github.com/opencontainers/runc/libcontainer/nsenter"

	// set*id without musl's thread signalling, for the init's setuid.
	_ "github.com/mini-compose/mini-compose/internal/setxid"
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
		if os.Getenv("_LIBCONTAINER_INITTYPE") == "standard" { // not an exec's init
			prefaultHeap()
		}
		libcontainer.Init() // never returns
	}
	goruntime.LockOSThread()
}

// initHeapGrowth is about how much heap the container's init allocates
// after prefaultHeap (measured with perf page-fault samples: ~230 pages
// of libcontainer 1.5 for a compose service's config, in one run upward).
const initHeapGrowth = 1 << 20

// heapTop is a large object, allocated where the heap ends.
var heapTop []byte

// prefaultHeap populates, in one madvise(MADV_POPULATE_WRITE), the heap
// pages that the container's init is about to fill. The init allocates
// about a MiB and execs the container's process before any garbage
// collection, so every heap page it touches is a fresh page: ~230 page
// faults per container start, and a page fault is a trap (into the
// hypervisor, on the paravirtualised VMs that CI and many laptops run).
// One call costs the zeroing alone. The Go heap hands out pages
// address-ordered, first fit: a large object lands at the heap's top, and
// the init's next spans follow it. The init's peak memory stays what it
// was (these are the pages it fills anyway), which matters under a small
// mem_limit (the 64 KiB object aside). Errors are ignored: a kernel
// before 5.14 lacks the advice, memory the heap has not mapped yet (or a
// page size other than 4 KiB) ends or refuses the populating, and the init
// then faults its pages in one by one as before. An exec's init (setns)
// allocates less and is left alone.
func prefaultHeap() {
	heapTop = make([]byte, 64<<10)
	base := uintptr(unsafe.Pointer(unsafe.SliceData(heapTop)))
	_, _, _ = unix.Syscall(unix.SYS_MADVISE, base, initHeapGrowth, unix.MADV_POPULATE_WRITE)
}
