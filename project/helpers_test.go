package project

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// writeFiles creates files (relative path -> content) under a fresh
// temporary directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// planYAML loads one compose.yaml as project "proj" and builds it.
func planYAML(t *testing.T, yaml string) (*Plan, error) {
	t.Helper()
	dir := writeFiles(t, map[string]string{"compose.yaml": yaml})
	p, err := Load(context.Background(), Options{Cwd: dir, ProjectName: "proj"})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return Build(p)
}

// mustPlan is planYAML that fails the test on a build error.
func mustPlan(t *testing.T, yaml string) *Plan {
	t.Helper()
	plan, err := planYAML(t, yaml)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return plan
}

func service(t *testing.T, plan *Plan, name string) Service {
	t.Helper()
	for _, s := range plan.Services {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("service %q not in plan", name)
	return Service{}
}

// buildDir loads dir/compose.yaml as project "proj" and builds it.
func buildDir(t *testing.T, dir string) *Plan {
	t.Helper()
	p, err := Load(context.Background(), Options{Cwd: dir, ProjectName: "proj"})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	plan, err := Build(p)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return plan
}
