package project

import (
	"context"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func load(t *testing.T, o Options) *Plan {
	t.Helper()
	p, err := Load(context.Background(), o)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	plan, err := Build(p)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return plan
}

func TestLoadDotEnvAndInterpolation(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		".env": "TAG=1.2\nPORT=8080\nFROM_ENV=dotenv\n",
		"compose.yaml": `
services:
  web:
    image: "nginx:${TAG}"
    ports: ["${PORT}:80"]
    environment:
      FROM_ENV: ${FROM_ENV}
      DEFAULTED: ${MISSING:-fallback}
      ESCAPED: "$$HOME"
`,
	})
	plan := load(t, Options{Cwd: dir, Environ: []string{"FROM_ENV=process"}})
	s := service(t, plan, "web")
	if s.Image != "nginx:1.2" {
		t.Errorf("image = %q", s.Image)
	}
	if s.Ports[0].HostPort != 8080 {
		t.Errorf("host port = %d", s.Ports[0].HostPort)
	}
	want := map[string]string{"FROM_ENV": "process", "DEFAULTED": "fallback", "ESCAPED": "$HOME"}
	if !reflect.DeepEqual(s.Environment, want) {
		t.Errorf("environment = %v, want %v", s.Environment, want)
	}
}

func TestLoadExplicitEnvFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		".env":         "TAG=dotenv\n",
		"prod.env":     "TAG=prod\n",
		"compose.yaml": "services: {web: {image: \"app:${TAG}\"}}",
	})
	plan := load(t, Options{Cwd: dir, EnvFiles: []string{"prod.env"}})
	if got := service(t, plan, "web").Image; got != "app:prod" {
		t.Errorf("image = %q, want app:prod", got)
	}
	_, err := Load(context.Background(), Options{Cwd: dir, EnvFiles: []string{"nope.env"}})
	if err == nil || !strings.Contains(err.Error(), "nope.env") {
		t.Errorf("missing env file: err = %v", err)
	}
}

func TestLoadProfiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{"compose.yaml": `
services:
  web: {image: x}
  debug: {image: x, profiles: [debug]}
  metrics: {image: x, profiles: [ops]}
`})
	names := func(plan *Plan) string {
		var n []string
		for _, s := range plan.Services {
			n = append(n, s.Name)
		}
		sort.Strings(n)
		return strings.Join(n, ",")
	}
	cases := []struct {
		o    Options
		want string
	}{
		{Options{Cwd: dir}, "web"},
		{Options{Cwd: dir, Profiles: []string{"debug"}}, "debug,web"},
		{Options{Cwd: dir, Environ: []string{"COMPOSE_PROFILES=debug, ops"}}, "debug,metrics,web"},
		{Options{Cwd: dir, Profiles: []string{"*"}}, "debug,metrics,web"},
	}
	for _, c := range cases {
		if got := names(load(t, c.o)); got != c.want {
			t.Errorf("profiles %v env %v: services %s, want %s", c.o.Profiles, c.o.Environ, got, c.want)
		}
	}
}

func TestLoadExtends(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"common.yaml": `
services:
  base:
    image: base:1
    environment: {A: "1", B: "1"}
    labels: {tier: base}
`,
		"compose.yaml": `
services:
  tmpl: {image: tmpl, command: ["serve"]}
  web:
    extends: {file: common.yaml, service: base}
    environment: {B: "2"}
  worker:
    extends: tmpl
    image: worker
`,
	})
	plan := load(t, Options{Cwd: dir})
	web := service(t, plan, "web")
	if web.Image != "base:1" || !reflect.DeepEqual(web.Environment, map[string]string{"A": "1", "B": "2"}) || web.Labels["tier"] != "base" {
		t.Errorf("web = image %q env %v labels %v", web.Image, web.Environment, web.Labels)
	}
	worker := service(t, plan, "worker")
	if worker.Image != "worker" || !reflect.DeepEqual(worker.Command, []string{"serve"}) {
		t.Errorf("worker = image %q command %v", worker.Image, worker.Command)
	}
}

func TestLoadMergesFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"compose.yaml": `
services:
  web:
    image: web:1
    ports: ["8080:80"]
    environment: {A: "1", B: "1"}
  db: {image: db}
`,
		"override/prod.yaml": `
services:
  web:
    image: web:2
    ports: ["8443:443"]
    environment: {B: "2"}
`,
	})
	plan := load(t, Options{Cwd: dir, ConfigPaths: []string{"compose.yaml", "override/prod.yaml"}})
	if plan.WorkingDir != dir || plan.Name != filepath.Base(dir) {
		t.Errorf("working dir %q name %q, want %q and its base", plan.WorkingDir, plan.Name, dir)
	}
	web := service(t, plan, "web")
	if web.Image != "web:2" {
		t.Errorf("image = %q", web.Image)
	}
	var ports []uint16
	for _, p := range web.Ports {
		ports = append(ports, p.HostPort)
	}
	if !reflect.DeepEqual(ports, []uint16{8080, 8443}) {
		t.Errorf("ports = %v", ports)
	}
	if !reflect.DeepEqual(web.Environment, map[string]string{"A": "1", "B": "2"}) {
		t.Errorf("environment = %v", web.Environment)
	}
}

func TestLoadDiscoveryAndNames(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"My.App/compose.yml":           "services: {web: {image: x}}",
		"My.App/compose.override.yaml": "services: {web: {image: y}}",
		"My.App/sub/deeper/.keep":      "",
		"named/docker-compose.yaml":    "name: from-yaml\nservices: {web: {image: x}}",
		"alt/other.yaml":               "services: {alt: {image: x}}",
	})
	app := filepath.Join(dir, "My.App")
	cases := []struct {
		name     string
		o        Options
		wantName string
		wantImg  string
	}{
		{"parent discovery + override", Options{Cwd: filepath.Join(app, "sub", "deeper")}, "myapp", "y"},
		{"-p wins", Options{Cwd: app, ProjectName: "given"}, "given", "y"},
		{"env name", Options{Cwd: app, Environ: []string{"COMPOSE_PROJECT_NAME=fromenv"}}, "fromenv", "y"},
		{"yaml name", Options{Cwd: filepath.Join(dir, "named")}, "from-yaml", "x"},
		{"COMPOSE_FILE", Options{Cwd: dir, Environ: []string{"COMPOSE_FILE=My.App/compose.yml"}}, "myapp", "x"},
		{"--project-directory", Options{Cwd: dir, WorkingDir: "alt", ConfigPaths: []string{"My.App/compose.yml"}}, "alt", "x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan := load(t, c.o)
			if plan.Name != c.wantName || plan.Services[0].Image != c.wantImg {
				t.Errorf("name %q image %q, want %q %q", plan.Name, plan.Services[0].Image, c.wantName, c.wantImg)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"compose.yaml": "services: {web: {image: x, ports: [\"8000-8002:80-81\"]}}",
		"bad.yaml":     "services: {web: {image: x, bogus: 1}}",
	})
	empty := t.TempDir()
	cases := []struct {
		name string
		o    Options
		want []string
	}{
		{"port range count mismatch", Options{Cwd: dir}, []string{`compose.yaml: services.web.ports[0]: "8000-8002:80-81": invalid ranges`}},
		{"unknown attribute", Options{Cwd: dir, ConfigPaths: []string{"bad.yaml"}}, []string{"bad.yaml", "services.web", "bogus"}},
		{"stdin", Options{Cwd: dir, ConfigPaths: []string{"-"}}, []string{"stdin"}},
		{"bad project name", Options{Cwd: dir, ProjectName: "Bad Name"}, []string{"Bad Name"}},
		{"no file", Options{Cwd: empty}, []string{"no configuration file provided"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(context.Background(), c.o)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			t.Log(err)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// An image on an unreachable registry must load and plan: the loader never
// resolves images. 127.0.0.1:1 refuses every connection, so any attempt
// to reach it would fail the load.
func TestLoadDoesNotContactRegistry(t *testing.T) {
	dir := writeFiles(t, map[string]string{"compose.yaml": `
services:
  web: {image: "127.0.0.1:1/nothing/here:latest", pull_policy: always}
`})
	plan := load(t, Options{Cwd: dir, Environ: []string{"HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1"}})
	if got := service(t, plan, "web").Image; got != "127.0.0.1:1/nothing/here:latest" {
		t.Errorf("image = %q", got)
	}
}

func TestMarshalConfig(t *testing.T) {
	dir := writeFiles(t, map[string]string{".env": "TAG=3\n", "compose.yaml": "services: {web: {image: \"app:${TAG}\", ports: [\"80:80\"]}}"})
	p, err := Load(context.Background(), Options{Cwd: dir, ProjectName: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := MarshalConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"name: demo", "image: app:3", "published: \"80\"", "target: 80"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("config does not contain %q:\n%s", w, b)
		}
	}
}
