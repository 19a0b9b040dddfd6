package project

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// topLevelPath matches the YAML path an error must point at.
var topLevelPath = regexp.MustCompile(`(services|networks|volumes|secrets|configs|name|include|jobs|models)[.:\[]`)

// TestCorpus loads and plans every compose file of awesome-compose: each
// must become a Plan or a precise error naming the file and a YAML path.
func TestCorpus(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "corpus", "awesome-compose")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("corpus not present at %s: %v", root, err)
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if !d.IsDir() && (strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) && strings.Contains(name, "compose") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no compose file in the corpus")
	}
	built, rebuilt := 0, 0
	reasons := map[string]int{}
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := loadAndBuild(abs)
		if err == nil {
			if len(plan.Services) == 0 {
				t.Errorf("%s: plan has no services", f)
			}
			built++
			continue
		}
		t.Logf("%s:\n  %s", f, strings.ReplaceAll(err.Error(), "\n", "\n  "))
		var needImage []string
		for _, e := range flatten(err) {
			msg := e.Error()
			if !strings.Contains(msg, filepath.Base(f)) || !topLevelPath.MatchString(msg) {
				t.Errorf("%s: imprecise error %q", f, msg)
			}
			var p *Problem
			if !errors.As(e, &p) {
				reasons["load: "+msg]++
				continue
			}
			generic := regexp.MustCompile(`^(\w+)\.[^.\[]+`).ReplaceAllString(p.Path, "$1.*")
			reasons[generic+": "+p.Msg]++
			if svc, ok := strings.CutSuffix(p.Path, ".build"); ok {
				needImage = append(needImage, strings.TrimPrefix(svc, "services."))
			} else {
				needImage = nil
				break
			}
		}
		// A project refused only for build: must plan once images are set
		// (as a user would with an override file).
		if len(needImage) > 0 {
			if _, err := withImages(t, abs, needImage); err != nil {
				t.Errorf("%s with images set: %v", f, err)
			} else {
				rebuilt++
			}
		}
	}
	var summary []string
	for _, k := range sortedKeys(reasons) {
		summary = append(summary, fmt.Sprintf("%4d  %s", reasons[k], k))
	}
	t.Logf("corpus: %d files: %d built, %d refused (%d of them plan once build: is replaced by image:)\nproblems by kind:\n%s",
		len(files), built, len(files)-built, rebuilt, strings.Join(summary, "\n"))
}

func loadAndBuild(file string, more ...string) (*Plan, error) {
	p, err := Load(context.Background(), Options{ConfigPaths: append([]string{file}, more...), Cwd: filepath.Dir(file)})
	if err != nil {
		return nil, err
	}
	return Build(p)
}

// withImages plans file merged with an override giving each service an
// image.
func withImages(t *testing.T, file string, services []string) (*Plan, error) {
	override := "services:\n"
	for _, s := range services {
		override += fmt.Sprintf("  %s:\n    image: local/%s\n", s, s)
	}
	dir := writeFiles(t, map[string]string{"override.yaml": override})
	return loadAndBuild(file, filepath.Join(dir, "override.yaml"))
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
