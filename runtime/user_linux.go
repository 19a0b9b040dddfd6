package runtime

import (
	"fmt"
	"os"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/sys/user"
)

// resolveUser maps a user spec ("uid", "uid:gid", "name", "name:group") to
// ids using the container's /etc/passwd and /etc/group.
func resolveUser(rootfs, spec string) (*user.ExecUser, error) {
	passwd, err := securejoin.SecureJoin(rootfs, "/etc/passwd")
	if err != nil {
		return nil, fmt.Errorf("resolve user %q: %w", spec, err)
	}
	group, err := securejoin.SecureJoin(rootfs, "/etc/group")
	if err != nil {
		return nil, fmt.Errorf("resolve user %q: %w", spec, err)
	}
	def := &user.ExecUser{Uid: 0, Gid: 0, Home: "/"}
	u, err := user.GetExecUserPath(spec, def, passwd, group)
	if err != nil {
		return nil, fmt.Errorf("resolve user %q: %w", spec, err)
	}
	return u, nil
}

// mergeEnv returns base with the KEY=VALUE entries of over replacing or
// appended to it, keeping the order of first appearance.
func mergeEnv(base, over []string) []string {
	out := make([]string, 0, len(base)+len(over))
	idx := map[string]int{}
	for _, list := range [][]string{base, over} {
		for _, kv := range list {
			k, _, _ := strings.Cut(kv, "=")
			if i, ok := idx[k]; ok {
				out[i] = kv
				continue
			}
			idx[k] = len(out)
			out = append(out, kv)
		}
	}
	return out
}

// defaultEnv adds PATH, HOSTNAME and HOME when env lacks them, as docker does.
func defaultEnv(env []string, hostname, home string) []string {
	defs := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	if hostname != "" {
		defs = append(defs, "HOSTNAME="+hostname)
	}
	defs = append(defs, "HOME="+home)
	return mergeEnv(defs, env)
}

// ensureDir creates dir inside rootfs (a container's cwd, like docker does).
func ensureDir(rootfs, dir string, uid, gid int) error {
	p, err := securejoin.SecureJoin(rootfs, dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(p, 0o755); err != nil {
		return err
	}
	return os.Chown(p, uid, gid)
}
