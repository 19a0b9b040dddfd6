package project

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
)

func TestBuildBasicService(t *testing.T) {
	plan := mustPlan(t, `
services:
  web:
    image: nginx:1.25
    command: nginx -g "daemon off;"
    environment:
      A: "1"
      UNSET:
    working_dir: /srv
    user: "1000:1000"
    hostname: webhost
    ports: ["8080:80", "127.0.0.1:5353:53/udp", "9000"]
    expose: ["3000", "4000/udp"]
    extra_hosts: ["host.docker.internal:host-gateway", "db:10.0.0.5"]
    stop_grace_period: 3s
    labels: {team: a}
    init: true
    read_only: true
`)
	if plan.Name != "proj" {
		t.Errorf("Name = %q, want proj", plan.Name)
	}
	s := service(t, plan, "web")
	want := Service{
		Name:        "web",
		Image:       "nginx:1.25",
		ImageRef:    "docker.io/library/nginx:1.25",
		Replicas:    1,
		Containers:  []Container{{Name: "proj-web-1", Number: 1}},
		Command:     []string{"nginx", "-g", "daemon off;"},
		Environment: map[string]string{"A": "1"},
		WorkingDir:  "/srv",
		User:        "1000:1000",
		Hostname:    "webhost",
		Networks:    []ServiceNetwork{{Key: "default"}},
		Ports: []Port{
			{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"},
			{HostIP: "127.0.0.1", HostPort: 5353, ContainerPort: 53, Protocol: "udp"},
			{ContainerPort: 9000, Protocol: "tcp"},
		},
		Expose:          []string{"3000", "4000/udp"},
		ExtraHosts:      []HostEntry{{Name: "db", IP: "10.0.0.5"}, {Name: "host.docker.internal", IP: "host-gateway"}},
		Restart:         "no",
		StopSignal:      "SIGTERM",
		StopGracePeriod: 3 * time.Second,
		Labels:          map[string]string{"team": "a"},
		Init:            true,
		ReadOnly:        true,
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("service mismatch\n got: %+v\nwant: %+v", s, want)
	}
	if len(plan.Networks) != 1 || plan.Networks[0].Name != "proj_default" || plan.Networks[0].Driver != "bridge" {
		t.Errorf("Networks = %+v, want one proj_default bridge", plan.Networks)
	}
}

func TestBuildReplicasAndNames(t *testing.T) {
	plan := mustPlan(t, `
services:
  a: {image: x, deploy: {replicas: 3}}
  b: {image: x, scale: 2}
  c: {image: x, container_name: my-c}
  d: {image: x, scale: 0}
`)
	cases := map[string][]Container{
		"a": {{Name: "proj-a-1", Number: 1}, {Name: "proj-a-2", Number: 2}, {Name: "proj-a-3", Number: 3}},
		"b": {{Name: "proj-b-1", Number: 1}, {Name: "proj-b-2", Number: 2}},
		"c": {{Name: "my-c", Number: 1}},
		"d": nil,
	}
	for name, want := range cases {
		s := service(t, plan, name)
		if !reflect.DeepEqual(s.Containers, want) || s.Replicas != len(want) {
			t.Errorf("%s: Replicas=%d Containers=%v, want %v", name, s.Replicas, s.Containers, want)
		}
	}
}

func TestBuildDefaults(t *testing.T) {
	s := service(t, mustPlan(t, "services: {web: {image: x}}"), "web")
	if s.StopSignal != "SIGTERM" || s.StopGracePeriod != 10*time.Second || s.Restart != "no" {
		t.Errorf("defaults: signal %q grace %v restart %q", s.StopSignal, s.StopGracePeriod, s.Restart)
	}
	if s.Entrypoint != nil || s.Command != nil {
		t.Errorf("unset entrypoint/command must stay nil: %q %q", s.Entrypoint, s.Command)
	}
}

func TestBuildCgroupNamespace(t *testing.T) {
	plan := mustPlan(t, `
services:
  dflt: {image: x}
  private: {image: x, cgroup: private}
  host: {image: x, cgroup: host}
`)
	for name, want := range map[string]bool{"dflt": false, "private": false, "host": true} {
		if got := service(t, plan, name).CgroupHost; got != want {
			t.Errorf("services.%s: CgroupHost = %v, want %v", name, got, want)
		}
	}
}

func TestBuildEntrypointCommandForms(t *testing.T) {
	plan := mustPlan(t, `
services:
  shell: {image: x, entrypoint: "/bin/sh -c", command: "echo 'a b'"}
  list: {image: x, entrypoint: ["/init"], command: ["run", "--fast"]}
  reset: {image: x, entrypoint: ""}
`)
	cases := []struct {
		name       string
		entry, cmd []string
	}{
		{"shell", []string{"/bin/sh", "-c"}, []string{"echo", "a b"}},
		{"list", []string{"/init"}, []string{"run", "--fast"}},
		{"reset", []string{}, nil},
	}
	for _, c := range cases {
		s := service(t, plan, c.name)
		if !reflect.DeepEqual(s.Entrypoint, c.entry) || !reflect.DeepEqual(s.Command, c.cmd) {
			t.Errorf("%s: entrypoint %#v command %#v, want %#v %#v", c.name, s.Entrypoint, s.Command, c.entry, c.cmd)
		}
	}
}

func TestBuildNetworks(t *testing.T) {
	plan := mustPlan(t, `
services:
  web:
    image: x
    networks:
      front: {aliases: [www], ipv4_address: 172.30.0.10, priority: 10}
      back: {}
  db:
    image: x
    networks: [back]
  host:
    image: x
    network_mode: host
networks:
  front:
    ipam:
      config: [{subnet: 172.30.0.0/24, gateway: 172.30.0.1}]
  back:
    internal: true
    name: shared-back
    labels: {a: b}
  unused: {}
  ext:
    external: true
    name: outside
`)
	var keys []string
	for _, n := range plan.Networks {
		keys = append(keys, n.Key+"="+n.Name)
	}
	if got := strings.Join(keys, ","); got != "back=shared-back,ext=outside,front=proj_front,unused=proj_unused" {
		t.Errorf("networks = %s", got)
	}
	back := plan.Networks[0]
	if !back.Internal || back.Labels["a"] != "b" || back.External {
		t.Errorf("back = %+v", back)
	}
	if !plan.Networks[1].External {
		t.Errorf("ext not external: %+v", plan.Networks[1])
	}
	front := plan.Networks[2]
	if want := []IPAMConfig{{Subnet: "172.30.0.0/24", Gateway: "172.30.0.1"}}; !reflect.DeepEqual(front.IPAM, want) {
		t.Errorf("front IPAM = %+v", front.IPAM)
	}
	web := service(t, plan, "web")
	wantNets := []ServiceNetwork{{Key: "front", Aliases: []string{"www"}, IPv4Address: "172.30.0.10", Priority: 10}, {Key: "back"}}
	if !reflect.DeepEqual(web.Networks, wantNets) {
		t.Errorf("web networks = %+v", web.Networks)
	}
	host := service(t, plan, "host")
	if host.NetworkMode != "host" || host.Networks != nil {
		t.Errorf("host service: mode %q networks %v", host.NetworkMode, host.Networks)
	}
}

func TestBuildDependencyOrder(t *testing.T) {
	plan := mustPlan(t, `
services:
  web:
    image: x
    depends_on:
      api: {condition: service_healthy}
      cache: {condition: service_started}
  api:
    image: x
    depends_on: [db]
    healthcheck: {test: ["CMD", "true"], retries: 5}
  db: {image: x}
  cache: {image: x, links: ["db:database"]}
  side: {image: x, network_mode: "service:web"}
`)
	var order []string
	for _, s := range plan.Services {
		order = append(order, s.Name)
	}
	if got := strings.Join(order, ","); got != "db,api,cache,web,side" {
		t.Errorf("order = %s, want db,api,cache,web,side", got)
	}
	web := service(t, plan, "web")
	want := []Dependency{{Service: "api", Condition: "service_healthy", Required: true}, {Service: "cache", Condition: "service_started", Required: true}}
	if !reflect.DeepEqual(web.Dependencies, want) || !reflect.DeepEqual(web.DependsOn, []string{"api", "cache"}) {
		t.Errorf("web deps = %+v %v", web.Dependencies, web.DependsOn)
	}
	hc := service(t, plan, "api").Healthcheck
	wantHC := &Healthcheck{Test: []string{"CMD", "true"}, Interval: 30 * time.Second, Timeout: 30 * time.Second, StartInterval: 5 * time.Second, Retries: 5}
	if !reflect.DeepEqual(hc, wantHC) {
		t.Errorf("healthcheck = %+v", hc)
	}
}

func TestBuildMounts(t *testing.T) {
	dir := writeFiles(t, map[string]string{"compose.yaml": `
services:
  web:
    image: x
    volumes:
      - ./html:/usr/share/nginx/html:ro
      - data:/data
      - /cache
      - {type: tmpfs, target: /scratch, tmpfs: {size: 1m}}
    tmpfs: ["/run:size=64k,mode=1777"]
    secrets: [pw]
    configs: [{source: conf, target: /etc/app.conf}]
volumes:
  data: {}
secrets:
  pw: {file: ./pw.txt}
configs:
  conf: {file: ./app.conf}
`})
	plan := buildDir(t, dir)
	s := service(t, plan, "web")
	want := []Mount{
		{Type: "bind", Source: dir + "/html", Target: "/usr/share/nginx/html", ReadOnly: true, CreateHostPath: true},
		{Type: "volume", Source: "proj_data", Target: "/data"},
		{Type: "volume", Target: "/cache"},
		{Type: "tmpfs", Target: "/scratch", Size: 1 << 20},
		{Type: "tmpfs", Target: "/run", Size: 64 << 10, Mode: 0o1777},
		{Type: "bind", Source: dir + "/pw.txt", Target: "/run/secrets/pw", ReadOnly: true},
		{Type: "bind", Source: dir + "/app.conf", Target: "/etc/app.conf", ReadOnly: true},
	}
	if !reflect.DeepEqual(s.Mounts, want) {
		t.Errorf("mounts\n got %+v\nwant %+v", s.Mounts, want)
	}
	if !reflect.DeepEqual(s.Volumes, []string{"proj_data"}) {
		t.Errorf("volumes = %v", s.Volumes)
	}
	if !reflect.DeepEqual(plan.Volumes, []Volume{{Key: "data", Name: "proj_data"}}) {
		t.Errorf("plan volumes = %+v", plan.Volumes)
	}
}

func TestBuildResources(t *testing.T) {
	plan := mustPlan(t, `
services:
  a: {image: x, mem_limit: 64m, cpus: 0.5, pids_limit: 100, ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 65535}}
  b: {image: x, deploy: {resources: {limits: {memory: 1g, cpus: "1.5", pids: 7}}, restart_policy: {condition: on-failure}}}
`)
	a := service(t, plan, "a")
	if a.Resources != (Resources{MemoryLimit: 64 << 20, CPUs: 0.5, PidsLimit: 100}) {
		t.Errorf("a resources = %+v", a.Resources)
	}
	if want := []Ulimit{{Name: "nofile", Soft: 1024, Hard: 2048}, {Name: "nproc", Soft: 65535, Hard: 65535}}; !reflect.DeepEqual(a.Ulimits, want) {
		t.Errorf("a ulimits = %+v", a.Ulimits)
	}
	b := service(t, plan, "b")
	if b.Resources != (Resources{MemoryLimit: 1 << 30, CPUs: 1.5, PidsLimit: 7}) || b.Restart != "on-failure" {
		t.Errorf("b resources = %+v restart %q", b.Resources, b.Restart)
	}
}

// problemsOf returns the messages of a Build error, one per problem.
func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		t.Fatal("Build succeeded, want an error")
	}
	var out []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var p *Problem
		if !errors.As(e, &p) {
			t.Fatalf("error %v is not a *Problem", e)
		}
		out = append(out, e.Error())
	}
	return out
}

// A project built in code (no files, no normalization) still plans: the
// implicit default network is added and problems carry no file prefix.
func TestBuildUnnormalizedProject(t *testing.T) {
	p := &types.Project{Name: "p", Services: types.Services{"web": {Name: "web", ContainerSpec: types.ContainerSpec{Image: "x"}}}}
	plan, err := Build(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Networks) != 1 || plan.Networks[0].Name != "p_default" {
		t.Errorf("networks = %+v", plan.Networks)
	}
	if got := plan.Services[0].Networks; !reflect.DeepEqual(got, []ServiceNetwork{{Key: "default"}}) {
		t.Errorf("service networks = %+v", got)
	}
	if got := plan.Services[0].ImageRef; got != "docker.io/library/x:latest" {
		t.Errorf("image ref = %q", got)
	}
	p.Services["bad"] = types.ServiceConfig{Name: "bad", ContainerSpec: types.ContainerSpec{Image: "UPPER/case"}}
	_, err = Build(p)
	if got := problemsOf(t, err); !reflect.DeepEqual(got, []string{`services.bad.image: invalid reference format: "UPPER/case"`}) {
		t.Errorf("problems = %q", got)
	}
	delete(p.Services, "bad")
	p.Services["db"] = types.ServiceConfig{Name: "db"}
	_, err = Build(p)
	if got := problemsOf(t, err); !reflect.DeepEqual(got, []string{"services.db.image: missing: a service needs an image"}) {
		t.Errorf("problems = %q", got)
	}
}
