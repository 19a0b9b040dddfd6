package plan

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// DefaultPath is the PATH given to a container whose image sets none
// (Docker's default).
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// ImageConfig is the part of an image's configuration that Resolve merges.
type ImageConfig struct {
	Entrypoint []string
	Cmd        []string
	Env        []string // "KEY=value"
	WorkingDir string
	User       string
}

// Process is what a container of a service runs.
type Process struct {
	Args []string
	Env  []string // "KEY=value", sorted by key
	Cwd  string
	User string
}

// Resolve merges the image configuration with the service settings
// exactly like Docker: a non-empty service entrypoint replaces the image's
// and drops the image's Cmd (only the service command follows it); an
// empty one ("") clears the image's entrypoint; a non-empty service
// command replaces the image's Cmd. The service environment overrides the
// image's; PATH defaults to DefaultPath. HOSTNAME is left to the caller.
// The working directory defaults to the image's, then "/". It fails when
// the resulting command line is empty.
func (s *Service) Resolve(img ImageConfig) (Process, error) {
	// This is moby's merge of container and image config.
	entry, cmd := s.Entrypoint, s.Command
	if len(entry) == 0 {
		if len(cmd) == 0 {
			cmd = img.Cmd
		}
		if entry == nil {
			entry = img.Entrypoint
		}
	}
	args := append(append([]string{}, entry...), cmd...)
	if len(args) == 0 {
		return Process{}, fmt.Errorf("resolve command of service %q: %w", s.Name, errors.New("no command: the image defines none and the service sets neither entrypoint nor command"))
	}

	env := map[string]string{}
	for _, kv := range img.Env {
		k, v, _ := strings.Cut(kv, "=")
		if k != "" {
			env[k] = v
		}
	}
	for k, v := range s.Environment {
		env[k] = v
	}
	if _, ok := env["PATH"]; !ok {
		env["PATH"] = DefaultPath
	}
	keys := slices.Sorted(maps.Keys(env))
	envList := make([]string, 0, len(keys))
	for _, k := range keys {
		envList = append(envList, k+"="+env[k])
	}

	p := Process{Args: args, Env: envList, Cwd: s.WorkingDir, User: s.User}
	if p.Cwd == "" {
		p.Cwd = img.WorkingDir
	}
	if p.Cwd == "" {
		p.Cwd = "/"
	}
	if p.User == "" {
		p.User = img.User
	}
	return p, nil
}
