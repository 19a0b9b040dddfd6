package plan

import (
	"reflect"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	img := ImageConfig{
		Entrypoint: []string{"/docker-entrypoint.sh"},
		Cmd:        []string{"nginx", "-g", "daemon off;"},
		Env:        []string{"PATH=/img/bin", "NGINX_VERSION=1.25", "KEEP=img"},
		WorkingDir: "/app",
		User:       "nginx",
	}
	cases := []struct {
		name string
		svc  Service
		img  ImageConfig
		want Process
	}{
		{
			name: "image defaults",
			img:  img,
			want: Process{
				Args: []string{"/docker-entrypoint.sh", "nginx", "-g", "daemon off;"},
				Env:  []string{"KEEP=img", "NGINX_VERSION=1.25", "PATH=/img/bin"},
				Cwd:  "/app", User: "nginx",
			},
		},
		{
			name: "command replaces cmd, keeps entrypoint",
			svc:  Service{Command: []string{"echo", "hi"}, Environment: map[string]string{"KEEP": "svc", "A": "1"}},
			img:  img,
			want: Process{
				Args: []string{"/docker-entrypoint.sh", "echo", "hi"},
				Env:  []string{"A=1", "KEEP=svc", "NGINX_VERSION=1.25", "PATH=/img/bin"},
				Cwd:  "/app", User: "nginx",
			},
		},
		{
			name: "entrypoint drops image cmd",
			svc:  Service{Entrypoint: []string{"/bin/sh"}, WorkingDir: "/srv", User: "0"},
			img:  img,
			want: Process{
				Args: []string{"/bin/sh"},
				Env:  []string{"KEEP=img", "NGINX_VERSION=1.25", "PATH=/img/bin"},
				Cwd:  "/srv", User: "0",
			},
		},
		{
			name: "entrypoint and command",
			svc:  Service{Entrypoint: []string{"/bin/sh", "-c"}, Command: []string{"exit 3"}},
			img:  img,
			want: Process{
				Args: []string{"/bin/sh", "-c", "exit 3"},
				Env:  []string{"KEEP=img", "NGINX_VERSION=1.25", "PATH=/img/bin"},
				Cwd:  "/app", User: "nginx",
			},
		},
		{
			name: "empty entrypoint clears image entrypoint, keeps cmd",
			svc:  Service{Entrypoint: []string{}},
			img:  img,
			want: Process{
				Args: []string{"nginx", "-g", "daemon off;"},
				Env:  []string{"KEEP=img", "NGINX_VERSION=1.25", "PATH=/img/bin"},
				Cwd:  "/app", User: "nginx",
			},
		},
		{
			name: "bare image: default PATH and cwd",
			svc:  Service{Command: []string{"sleep", "1"}},
			want: Process{Args: []string{"sleep", "1"}, Env: []string{"PATH=" + DefaultPath}, Cwd: "/"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.svc.Resolve(c.img)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestResolveEmptyCommand(t *testing.T) {
	s := Service{Name: "web", Entrypoint: []string{}}
	_, err := s.Resolve(ImageConfig{Entrypoint: []string{"/e"}})
	if err == nil || !strings.Contains(err.Error(), `service "web"`) {
		t.Errorf("err = %v, want an error naming the service", err)
	}
}
