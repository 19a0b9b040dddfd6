package resolver

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestParseNameservers(t *testing.T) {
	in := `# generated
search example.com
nameserver 127.0.0.53
nameserver   10.0.0.1 # trailing comment
;nameserver 10.0.0.2
nameserver fe80::1%eth0
nameserver 2001:db8::1
nameserver not-an-ip
nameserver
options edns0 trust-ad
`
	want := []string{"127.0.0.53:53", "10.0.0.1:53", "[fe80::1%eth0]:53", "[2001:db8::1]:53"}
	if got := parseNameservers([]byte(in)); !reflect.DeepEqual(got, want) {
		t.Errorf("parseNameservers = %v, want %v", got, want)
	}
}

func TestResolvConfFollows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resolv.conf")
	write := func(s string) {
		t.Helper()
		// Replace by rename, the way resolvconf and systemd-resolved do:
		// a new inode even if size and mtime happen to match.
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write("nameserver 10.0.0.1\n")
	rc := newResolvConf(path)
	if got := rc.servers(); !reflect.DeepEqual(got, []string{"10.0.0.1:53"}) {
		t.Fatalf("servers = %v", got)
	}
	// Within the check interval the old servers are kept.
	rc.every = time.Hour
	write("nameserver 10.0.0.2\n")
	if got := rc.servers(); !reflect.DeepEqual(got, []string{"10.0.0.1:53"}) {
		t.Errorf("servers within interval = %v, want the old ones", got)
	}
	rc.every = 0
	if got := rc.servers(); !reflect.DeepEqual(got, []string{"10.0.0.2:53"}) {
		t.Errorf("servers after change = %v", got)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if got := rc.servers(); len(got) != 0 {
		t.Errorf("servers after removal = %v, want none", got)
	}
	write("nameserver 127.0.0.53\n")
	if got := rc.servers(); !reflect.DeepEqual(got, []string{"127.0.0.53:53"}) {
		t.Errorf("servers after re-creation = %v", got)
	}
}
