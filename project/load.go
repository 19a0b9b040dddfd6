package project

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// Options mirror docker compose's global flags.
type Options struct {
	// ConfigPaths are the -f files, merged in order. Relative paths are
	// relative to Cwd.
	ConfigPaths []string
	// ProjectName is -p; it must already be a valid (normalized) name.
	ProjectName string
	// WorkingDir is --project-directory (default: dir of the first file).
	WorkingDir string
	// EnvFiles are --env-file files (default: "<WorkingDir>/.env" if present).
	EnvFiles []string
	// Profiles are --profile values (default: COMPOSE_PROFILES).
	Profiles []string
	// Environ is the process environment (os.Environ()). COMPOSE_FILE,
	// COMPOSE_PATH_SEPARATOR, COMPOSE_PROJECT_NAME, COMPOSE_PROFILES and
	// COMPOSE_DISABLE_ENV_FILE are honoured from it (and from .env).
	Environ []string
	// Cwd is where default file discovery starts (then its parents) and
	// what relative paths are relative to. Default: os.Getwd().
	Cwd string
}

// DefaultFileNames are the files searched for, in Cwd then its parents,
// when no -f or COMPOSE_FILE is given.
var DefaultFileNames = []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}

// overrideFileNames are merged after the discovered file, as compose does.
var overrideFileNames = []string{"compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml", "docker-compose.override.yml"}

// Load reads and merges the compose files selected by o, interpolating
// from Environ and .env, applying profiles and extends. It resolves
// relative paths but does not check the model's consistency (undeclared
// networks, unknown dependencies...): Build does that, reporting every
// problem at once. Load never resolves images nor contacts a registry.
func Load(ctx context.Context, o Options) (*types.Project, error) {
	cwd := o.Cwd
	if cwd == "" {
		var err error
		if cwd, err = os.Getwd(); err != nil {
			return nil, fmt.Errorf("get working directory: %w", err)
		}
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return filepath.Clean(p)
		}
		return filepath.Join(cwd, p)
	}
	env := types.NewMapping(o.Environ)
	env["PWD"] = cwd

	var paths []string
	for _, p := range o.ConfigPaths {
		if p == "-" {
			return nil, errors.New("read compose file from stdin: not supported")
		}
		paths = append(paths, abs(p))
	}
	workDir := ""
	if o.WorkingDir != "" {
		workDir = abs(o.WorkingDir)
	}
	var envFiles []string
	for _, f := range o.EnvFiles {
		envFiles = append(envFiles, abs(f))
	}

	// Like docker compose, read .env twice: once from the directory known
	// before discovery (it may set COMPOSE_FILE), once from the project
	// directory. Values already set win, so the process environment
	// overrides .env.
	firstDir := workDir
	if firstDir == "" && len(paths) > 0 {
		firstDir = filepath.Dir(paths[0])
	}
	if firstDir == "" {
		firstDir = cwd
	}
	if err := mergeDotEnv(env, firstDir, envFiles); err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		paths = composeFileEnv(env, abs)
	}
	if len(paths) == 0 {
		paths = discover(cwd)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("find compose file in %q or its parents: no configuration file provided: not found", cwd)
	}
	if workDir == "" {
		workDir = filepath.Dir(paths[0])
	}
	if workDir != firstDir {
		if err := mergeDotEnv(env, workDir, envFiles); err != nil {
			return nil, err
		}
	}

	profiles := o.Profiles
	if len(profiles) == 0 {
		for _, p := range strings.Split(env["COMPOSE_PROFILES"], ",") {
			if p = strings.TrimSpace(p); p != "" {
				profiles = append(profiles, p)
			}
		}
	}

	po, err := cli.NewProjectOptions(paths,
		cli.WithWorkingDirectory(workDir),
		cli.WithName(o.ProjectName),
		cli.WithProfiles(profiles),
		cli.WithLoadOptions(func(lo *loader.Options) {
			// Build reports these problems with YAML paths, all at once.
			lo.SkipConsistencyCheck = true
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("project name %q: %w", o.ProjectName, err)
	}
	po.Environment = env
	p, err := po.LoadProject(ctx)
	if err != nil {
		if probs := portProblems(paths, env); len(probs) > 0 {
			return nil, errors.Join(probs...)
		}
		return nil, fmt.Errorf("load %s: %w", strings.Join(baseNames(paths), ", "), err)
	}
	return p, nil
}

// mergeDotEnv adds the variables of the env files (or of dir/.env when
// none are given) to env, without overriding what env already holds.
func mergeDotEnv(env types.Mapping, dir string, envFiles []string) error {
	files := envFiles
	if len(files) == 0 {
		if v, ok := env["COMPOSE_DISABLE_ENV_FILE"]; ok {
			if b, err := strconv.ParseBool(v); err == nil && b {
				return nil
			}
		}
		def := filepath.Join(dir, ".env")
		if fi, err := os.Stat(def); err != nil || fi.IsDir() {
			return nil
		}
		files = []string{def}
	}
	vars, err := dotenv.GetEnvFromFile(env, files)
	if err != nil {
		return fmt.Errorf("read env file: %w", err)
	}
	env.Merge(vars)
	return nil
}

// composeFileEnv returns the files listed in COMPOSE_FILE.
func composeFileEnv(env types.Mapping, abs func(string) string) []string {
	v := env["COMPOSE_FILE"]
	if v == "" {
		return nil
	}
	sep := env["COMPOSE_PATH_SEPARATOR"]
	if sep == "" {
		sep = string(os.PathListSeparator)
	}
	var paths []string
	for _, p := range strings.Split(v, sep) {
		if p != "" {
			paths = append(paths, abs(p))
		}
	}
	return paths
}

// discover finds the compose file (and its override) in dir or the
// nearest parent holding one.
func discover(dir string) []string {
	for {
		if f := firstExisting(dir, DefaultFileNames); f != "" {
			paths := []string{f}
			if ov := firstExisting(dir, overrideFileNames); ov != "" {
				paths = append(paths, ov)
			}
			return paths
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
}

func firstExisting(dir string, names []string) string {
	for _, n := range names {
		f := filepath.Join(dir, n)
		if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() {
			return f
		}
	}
	return ""
}

func baseNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}

// MarshalConfig renders the loaded project as normalized YAML, for
// `mini-compose config`.
func MarshalConfig(p *types.Project) ([]byte, error) {
	b, err := p.MarshalYAML()
	if err != nil {
		return nil, fmt.Errorf("marshal project %q: %w", p.Name, err)
	}
	return b, nil
}
