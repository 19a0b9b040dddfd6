package project

import (
	"reflect"
	"strings"
	"testing"
)

func TestBuildProblems(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []string // every problem, in order
	}{
		{
			name: "build without image",
			yaml: "services: {web: {build: .}}",
			want: []string{"compose.yaml: services.web.build: building images is not supported yet; set image: to a locally loaded image"},
		},
		{
			name: "build with image is fine but missing image is not",
			yaml: "services: {web: {build: ., image: web:dev}, db: {environment: {A: b}}}",
			want: []string{"compose.yaml: services.db.image: missing: a service needs an image"},
		},
		{
			name: "unsupported service attributes",
			yaml: `
services:
  web:
    image: x
    devices: ["/dev/fuse"]
    runtime: runsc
    security_opt: ["no-new-privileges:true"]
    deploy:
      resources:
        reservations:
          devices: [{capabilities: [gpu]}]
`,
			want: []string{
				"compose.yaml: services.web.deploy.resources.reservations.devices: device reservations (GPUs) are not supported",
				"compose.yaml: services.web.devices: device access is not supported",
				"compose.yaml: services.web.runtime: alternative OCI runtimes are not supported",
				"compose.yaml: services.web.security_opt: security options are not supported",
			},
		},
		{
			name: "unknown attribute in nested object",
			yaml: "services: {web: {image: x, volumes: [{type: bind, source: /a, target: /b, bind: {propagation: shared}}]}}",
			want: []string{"compose.yaml: services.web.volumes[0].bind.propagation: not supported"},
		},
		{
			name: "undeclared references",
			yaml: `
services:
  web:
    image: x
    networks: [front]
    depends_on: [db]
    links: [cache]
    volumes: ["data:/data"]
  side: {image: x, network_mode: "service:nope"}
`,
			want: []string{
				`compose.yaml: services.side.network_mode: unknown service "nope"`,
				`compose.yaml: services.web.networks.front: network "front" is not declared in the top-level networks`,
				`compose.yaml: services.web.depends_on.db: unknown service "db"`,
				`compose.yaml: services.web.links[0]: unknown service "cache"`,
				`compose.yaml: services.web.volumes[0]: volume "data" is not declared in the top-level volumes`,
			},
		},
		{
			name: "dependency cycle",
			yaml: "services: {a: {image: x, depends_on: [b]}, b: {image: x, depends_on: [c]}, c: {image: x, depends_on: [a]}}",
			want: []string{"compose.yaml: services: dependency cycle: a -> b -> c -> a"},
		},
		{
			name: "host port conflicts",
			yaml: `
services:
  a: {image: x, ports: ["8080:80", "127.0.0.1:53:53/udp"]}
  b: {image: x, ports: ["0.0.0.0:8080:81", "127.0.0.2:53:53/udp", "53:53"]}
  c: {image: x, scale: 2, ports: ["9000:90", "91"]}
`,
			want: []string{
				"compose.yaml: services.b.ports[0]: host port 8080/tcp is already published by services.a.ports[0]",
				"compose.yaml: services.c.ports[0]: host port 9000/tcp cannot be published by 2 replicas",
			},
		},
		{
			name: "container_name with replicas and duplicates",
			yaml: `
services:
  a: {image: x, container_name: same, scale: 2}
  b: {image: x, container_name: proj-c-1}
  c: {image: x}
  d: {image: x, container_name: "bad name"}
`,
			want: []string{
				"compose.yaml: services.a.container_name: cannot be set with 2 replicas: container names must be unique",
				`compose.yaml: services.d.container_name: "bad name" is not a valid container name (allowed: [a-zA-Z0-9][a-zA-Z0-9_.-]*)`,
				`compose.yaml: services.c.container_name: container name "proj-c-1" is already used by service "b"`,
			},
		},
		{
			name: "networks and restart",
			yaml: `
services:
  a: {image: x, restart: sometimes, network_mode: bridge}
  b: {image: x, restart: "always:3", networks: {n: {ipv4_address: "10.1.0.300"}}}
networks:
  n:
    driver: overlay
    ipam:
      config: [{subnet: 10.1.0.1/16, gateway: 10.2.0.1, ip_range: 10.1.5.0/24}]
`,
			want: []string{
				`compose.yaml: networks.n.driver: driver "overlay" is not supported (use bridge, macvlan, ipvlan, host or none)`,
				`compose.yaml: networks.n.ipam.config[0].subnet: "10.1.0.1/16" has host bits set (did you mean "10.1.0.0/16"?)`,
				`compose.yaml: networks.n.ipam.config[0].gateway: "10.2.0.1" is not inside subnet "10.1.0.1/16"`,
				`compose.yaml: services.a.network_mode: "bridge" is not supported (use none, host, service:<name> or container:<name>)`,
				`compose.yaml: services.a.restart: unknown policy "sometimes" (use no, always, on-failure[:N] or unless-stopped)`,
				`compose.yaml: services.b.networks.n.ipv4_address: "10.1.0.300" is not an IPv4 address`,
				`compose.yaml: services.b.restart: "always:3": only on-failure takes a retry count`,
			},
		},
		{
			name: "secrets from environment and healthy without healthcheck",
			yaml: `
services:
  a: {image: x, secrets: [s], depends_on: {b: {condition: service_healthy}}}
  b: {image: x, expose: ["70000", "80/sctp"]}
secrets:
  s: {environment: HOME}
`,
			want: []string{
				`compose.yaml: services.a.depends_on.b.condition: service "b" has no healthcheck`,
				"compose.yaml: secrets.s: only file-based secrets are supported (environment: and content: are not)",
				`compose.yaml: services.b.expose[0]: "70000": "70000" is not a port number in 0-65535`,
				`compose.yaml: services.b.expose[1]: "80/sctp": protocol "sctp" is not supported (use tcp or udp)`,
			},
		},
		{
			name: "fail-closed screening and pull_policy build",
			yaml: `
services:
  a: {image: x, group_add: [audio], pull_policy: build, post_start: [{command: [echo]}]}
networks:
  n: {driver_opts: {mtu: "1400"}, ipam: {config: [{subnet: 10.9.0.0/24}], options: {foo: bar}}}
`,
			want: []string{
				"compose.yaml: networks.n.ipam.options: not supported",
				"compose.yaml: services.a.group_add: not supported",
				"compose.yaml: services.a.post_start: not supported",
				"compose.yaml: services.a.pull_policy: building images is not supported yet",
			},
		},
		{
			name: "duplicate mount target",
			yaml: `services: {a: {image: x, volumes: ["/a:/run"], tmpfs: ["/run/"]}}`,
			want: []string{`compose.yaml: services.a.volumes: "/run" is mounted twice (mounts 0 and 1)`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := planYAML(t, c.yaml)
			got := problemsOf(t, err)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("problems:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(c.want, "\n     "))
			}
		})
	}
}

func TestBuildOptionalDependencyMayBeAbsent(t *testing.T) {
	plan := mustPlan(t, `
services:
  web:
    image: x
    depends_on:
      dbg: {condition: service_started, required: false}
`)
	if s := service(t, plan, "web"); len(s.DependsOn) != 0 {
		t.Errorf("DependsOn = %v, want none", s.DependsOn)
	}
}
