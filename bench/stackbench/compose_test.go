package main

import (
	"context"
	"reflect"
	"sort"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// load parses yaml with the loader Docker Compose itself uses.
func load(t *testing.T, yaml string) *types.Project {
	t.Helper()
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  t.TempDir(),
		ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml", Content: []byte(yaml)}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName("bench", true) })
	if err != nil {
		t.Fatalf("load generated compose file: %v\n%s", err, yaml)
	}
	return p
}

func publishedPorts(p *types.Project) []int {
	var out []int
	for _, s := range p.Services {
		for _, pc := range s.Ports {
			var n int
			for _, c := range pc.Published {
				n = n*10 + int(c-'0')
			}
			out = append(out, n)
		}
	}
	sort.Ints(out)
	return out
}

func TestNStack(t *testing.T) {
	st := NStack(3, 18000, "bench/busybox:latest")
	if st.Name != "3" || st.Services != 3 || !reflect.DeepEqual(st.Ports, []int{18000, 18001, 18002}) {
		t.Fatalf("stack = %+v", st)
	}
	p := load(t, st.YAML)
	if len(p.Services) != 3 {
		t.Fatalf("services = %d, want 3", len(p.Services))
	}
	if got := publishedPorts(p); !reflect.DeepEqual(got, st.Ports) {
		t.Errorf("published = %v, want %v", got, st.Ports)
	}
	s := p.Services["s01"]
	if s.Image != "bench/busybox:latest" || !reflect.DeepEqual([]string(s.Command), []string{"/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/"}) {
		t.Errorf("s01 = image %q command %q", s.Image, s.Command)
	}
	if s.StopSignal != "SIGKILL" {
		t.Errorf("s01 stop_signal = %q, want SIGKILL", s.StopSignal)
	}
	if s.Ports[0].Target != 80 || s.Ports[0].HostIP != "127.0.0.1" {
		t.Errorf("s01 port = %+v, want 127.0.0.1:18001:80", s.Ports[0])
	}
}

func TestRealisticStack(t *testing.T) {
	st := RealisticStack(19000, "img:1")
	if st.Services != 7 || !reflect.DeepEqual(st.Ports, []int{19000, 19001}) {
		t.Fatalf("stack = services %d ports %v", st.Services, st.Ports)
	}
	p := load(t, st.YAML)
	if len(p.Networks) != 3 || !p.Networks["data"].Internal {
		t.Fatalf("networks = %+v", p.Networks)
	}
	n := 0
	for _, s := range p.Services {
		n += s.GetScale()
	}
	if n != 7 {
		t.Errorf("containers = %d, want 7", n)
	}
	if got := publishedPorts(p); !reflect.DeepEqual(got, st.Ports) {
		t.Errorf("published = %v, want %v", got, st.Ports)
	}
	api := p.Services["api"]
	if api.StopSignal != "SIGKILL" {
		t.Errorf("api stop_signal = %q, want SIGKILL", api.StopSignal)
	}
	if got := api.Networks["backend"].Aliases; !reflect.DeepEqual(got, []string{"app", "api.internal"}) {
		t.Errorf("api backend aliases = %v", got)
	}
	if _, ok := api.DependsOn["db"]; !ok {
		t.Errorf("api depends_on = %v, want db", api.DependsOn)
	}
	// Every published service is reachable from the host: not only on the
	// internal network.
	for _, name := range []string{"proxy", "api"} {
		if _, only := p.Services[name].Networks["data"]; only && len(p.Services[name].Networks) == 1 {
			t.Errorf("%s publishes from the internal network only", name)
		}
	}
}
