// Command mkimage builds a small image archive for demos and tests:
//
//	mkimage -o out.tar -t ref [--format docker|oci] [--busybox]
//	        [--add hostpath:containerpath]... [--entrypoint CMD] [--cmd CMD]
//	        [--env K=V]... [--workdir D] [--user U]
//
// CMD is a JSON array (["sh","-c","echo hi"]) or whitespace-separated words.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/mini-compose/mini-compose/internal/testutil"
)

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("mkimage", flag.ContinueOnError)
	out := fs.String("o", "", "output archive path (required)")
	ref := fs.String("t", "", "image reference, e.g. busybox:latest (required)")
	format := fs.String("format", "docker", "archive format: docker (docker save) or oci (OCI archive)")
	busybox := fs.Bool("busybox", false, "add the host's static busybox with all its applets")
	entrypoint := fs.String("entrypoint", "", "image entrypoint")
	cmd := fs.String("cmd", "", "image command")
	workdir := fs.String("workdir", "", "image working directory")
	user := fs.String("user", "", "image user")
	var adds, envs multi
	fs.Var(&adds, "add", "hostpath:containerpath, repeatable")
	fs.Var(&envs, "env", "K=V, repeatable")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || *ref == "" {
		return errors.New("-o and -t are required")
	}
	files := map[string]string{}
	if *busybox {
		bb, err := testutil.BusyboxFiles()
		if err != nil {
			return err
		}
		files = bb
	}
	for _, a := range adds {
		host, ctr, ok := strings.Cut(a, ":")
		if !ok || host == "" || !strings.HasPrefix(ctr, "/") {
			return fmt.Errorf("--add %q: want hostpath:/containerpath", a)
		}
		files[ctr] = host
	}
	cfg := testutil.ImageConfig{Env: envs, WorkingDir: *workdir, User: *user}
	var err error
	if cfg.Entrypoint, err = parseCmd(*entrypoint); err != nil {
		return fmt.Errorf("--entrypoint: %w", err)
	}
	if cfg.Cmd, err = parseCmd(*cmd); err != nil {
		return fmt.Errorf("--cmd: %w", err)
	}
	return testutil.BuildImage(*out, *ref, files, cfg, *format)
}

// parseCmd accepts a JSON array or whitespace-separated words.
func parseCmd(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if strings.HasPrefix(s, "[") {
		var out []string
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			return nil, fmt.Errorf("parse %q: %w", s, err)
		}
		return out, nil
	}
	return strings.Fields(s), nil
}
