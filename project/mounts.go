package project

import (
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/go-units"
)

// buildMounts converts volumes, tmpfs, secrets and configs into mounts,
// and lists the real names of the named volumes used.
func buildMounts(p *types.Project, s types.ServiceConfig, at string, ps *problems) ([]Mount, []string) {
	var mounts []Mount
	used := map[string]bool{}
	for i, v := range s.Volumes {
		vp := fmt.Sprintf("%s.volumes[%d]", at, i)
		m := Mount{Type: v.Type, Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly}
		switch v.Type {
		case types.VolumeTypeBind:
			if m.Source == "" {
				ps.add(vp, "missing source of bind mount")
			} else if !filepath.IsAbs(m.Source) {
				m.Source = filepath.Join(p.WorkingDir, m.Source)
			}
			m.CreateHostPath = v.Bind == nil || bool(v.Bind.CreateHostPath)
		case types.VolumeTypeVolume:
			if m.Source == "" {
				break // anonymous volume: the engine creates a fresh one
			}
			if _, ok := p.Volumes[m.Source]; !ok {
				ps.add(vp, "volume %q is not declared in the top-level volumes", m.Source)
				break
			}
			m.Source = volumeName(p, v.Source)
			used[m.Source] = true
		case types.VolumeTypeTmpfs:
			m.Source = ""
			if v.Tmpfs != nil {
				m.Size = int64(v.Tmpfs.Size)
				m.Mode = uint32(v.Tmpfs.Mode)
			}
		default:
			ps.add(vp+".type", "volume type %q is not supported (use bind, volume or tmpfs)", v.Type)
		}
		mounts = append(mounts, m)
	}
	for i, t := range s.Tmpfs {
		m, err := parseTmpfs(t)
		if err != nil {
			ps.add(fmt.Sprintf("%s.tmpfs[%d]", at, i), "%q: %v", t, err)
		}
		mounts = append(mounts, m)
	}
	for i, ref := range s.Secrets {
		mounts = append(mounts, fileMount(p, types.FileReferenceConfig(ref), true, fmt.Sprintf("%s.secrets[%d]", at, i), ps))
	}
	for i, ref := range s.Configs {
		mounts = append(mounts, fileMount(p, types.FileReferenceConfig(ref), false, fmt.Sprintf("%s.configs[%d]", at, i), ps))
	}
	seen := map[string]int{}
	for i, m := range mounts {
		if m.Target == "" || !path.IsAbs(m.Target) {
			ps.add(at+".volumes", "mount target %q must be an absolute path", m.Target)
			continue
		}
		clean := path.Clean(m.Target)
		if j, dup := seen[clean]; dup {
			ps.add(at+".volumes", "%q is mounted twice (mounts %d and %d)", clean, j, i)
		}
		seen[clean] = i
	}
	var names []string
	for n := range used {
		names = append(names, n)
	}
	sort.Strings(names)
	return mounts, names
}

// fileMount turns a file-based secret (at /run/secrets/<target>) or
// config (at /<target>) into a read-only bind mount, like docker compose.
func fileMount(p *types.Project, ref types.FileReferenceConfig, secret bool, at string, ps *problems) Mount {
	kind, file, ok := "config", "", false
	var obj types.FileObjectConfig
	if secret {
		kind = "secret"
		var s types.SecretConfig
		s, ok = p.Secrets[ref.Source]
		obj = types.FileObjectConfig(s)
	} else {
		var c types.ConfigObjConfig
		c, ok = p.Configs[ref.Source]
		obj = types.FileObjectConfig(c)
	}
	top := kind + "s." + ref.Source
	switch {
	case !ok:
		ps.add(at, "%s %q is not declared in the top-level %ss", kind, ref.Source, kind)
	case bool(obj.External):
		ps.add(top+".external", "external %ss are not supported", kind)
	case obj.File == "":
		ps.add(top, "only file-based %ss are supported (environment: and content: are not)", kind)
	default:
		file = obj.File
		if !filepath.IsAbs(file) {
			file = filepath.Join(p.WorkingDir, file)
		}
	}
	if ref.UID != "" || ref.GID != "" || ref.Mode != nil {
		ps.add(at, "uid, gid and mode of %ss are not supported", kind)
	}
	target := ref.Target
	if target == "" {
		target = ref.Source
	}
	if secret && !path.IsAbs(target) {
		target = "/run/secrets/" + target
	} else if !path.IsAbs(target) {
		target = "/" + target
	}
	return Mount{Type: types.VolumeTypeBind, Source: file, Target: target, ReadOnly: true}
}

// parseTmpfs parses a `tmpfs:` entry "/path[:size=64m,mode=1777]".
func parseTmpfs(s string) (Mount, error) {
	target, opts, _ := strings.Cut(s, ":")
	m := Mount{Type: types.VolumeTypeTmpfs, Target: target}
	if opts == "" {
		return m, nil
	}
	for _, o := range strings.Split(opts, ",") {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "size":
			n, err := units.RAMInBytes(v)
			if err != nil {
				return m, fmt.Errorf("size %q: %w", v, err)
			}
			m.Size = n
		case "mode":
			n, err := strconv.ParseUint(v, 8, 32)
			if err != nil {
				return m, fmt.Errorf("mode %q is not an octal number", v)
			}
			m.Mode = uint32(n)
		case "ro":
			m.ReadOnly = true
		case "rw", "noexec", "nosuid", "nodev", "exec", "suid", "dev":
			// rw is the default; the others are applied by the runtime anyway
		default:
			return m, fmt.Errorf("option %q is not supported (use size, mode, ro)", k)
		}
	}
	return m, nil
}

// Healthcheck defaults of Docker.
const (
	DefaultHealthInterval      = 30 * time.Second
	DefaultHealthTimeout       = 30 * time.Second
	DefaultHealthStartInterval = 5 * time.Second
	DefaultHealthRetries       = 3
)

// buildHealthcheck converts a healthcheck with Docker's defaults. An empty
// Test keeps the image's healthcheck command.
func buildHealthcheck(h *types.HealthCheckConfig, at string, ps *problems) *Healthcheck {
	if h == nil {
		return nil
	}
	hc := &Healthcheck{
		Test:          append([]string{}, h.Test...),
		Interval:      DefaultHealthInterval,
		Timeout:       DefaultHealthTimeout,
		StartInterval: DefaultHealthStartInterval,
		Retries:       DefaultHealthRetries,
		Disable:       h.Disable,
	}
	dur := func(d *types.Duration, def time.Duration) time.Duration {
		if d == nil {
			return def
		}
		return time.Duration(*d)
	}
	hc.Interval = dur(h.Interval, hc.Interval)
	hc.Timeout = dur(h.Timeout, hc.Timeout)
	hc.StartPeriod = dur(h.StartPeriod, 0)
	hc.StartInterval = dur(h.StartInterval, hc.StartInterval)
	if h.Retries != nil {
		hc.Retries = int(*h.Retries)
	}
	if len(hc.Test) > 0 {
		switch hc.Test[0] {
		case "NONE":
			hc.Disable = true
		case "CMD", "CMD-SHELL":
			if len(hc.Test) < 2 {
				ps.add(at+".healthcheck.test", "%s needs a command", hc.Test[0])
			}
		default:
			ps.add(at+".healthcheck.test", "must start with CMD, CMD-SHELL or NONE, not %q", hc.Test[0])
		}
	}
	return hc
}
