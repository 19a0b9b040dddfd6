package imageref

import "testing"

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"busybox":                        "docker.io/library/busybox:latest",
		"busybox:latest":                 "docker.io/library/busybox:latest",
		"docker.io/library/busybox:1.36": "docker.io/library/busybox:1.36",
		"index.docker.io/foo/bar":        "docker.io/foo/bar:latest",
		"localhost:5000/app:v1":          "localhost:5000/app:v1",
		"ghcr.io/x/y:z":                  "ghcr.io/x/y:z",
	} {
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := Normalize("UPPER/case"); err == nil {
		t.Error("Normalize accepted an invalid reference")
	}
}
