package project

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// The screening of unsupported attributes is fail-closed: every attribute
// of a service, network or volume must match a pattern below, or Build
// reports it. A pattern is a dot-separated path relative to the object;
// "*" matches any map key or list index. A matched pattern accepts the
// whole value under it. Attributes that are purely informational for a
// single-host runtime are listed too (and ignored by the conversion).
var serviceAttrs = patterns(
	"image", "command", "entrypoint", "environment", "env_file",
	"working_dir", "user", "hostname", "domainname", "network_mode",
	"networks.*.aliases", "networks.*.ipv4_address", "networks.*.ipv6_address",
	"networks.*.mac_address", "networks.*.interface_name", "networks.*.priority",
	"networks.*.gw_priority",
	"ports.*.target", "ports.*.published", "ports.*.host_ip", "ports.*.protocol",
	"ports.*.mode", "ports.*.name", "ports.*.app_protocol",
	"expose", "depends_on", "links", "extra_hosts", "dns", "dns_search", "dns_opt",
	"restart", "stop_signal", "stop_grace_period", "labels", "label_file",
	"sysctls", "tty", "stdin_open", "init", "read_only", "privileged", "cgroup",
	"cap_add", "cap_drop", "tmpfs", "healthcheck", "ulimits",
	"volumes.*.type", "volumes.*.source", "volumes.*.target", "volumes.*.read_only",
	"volumes.*.consistency", "volumes.*.bind.create_host_path", "volumes.*.bind.selinux",
	"volumes.*.volume.nocopy", "volumes.*.tmpfs.size", "volumes.*.tmpfs.mode",
	"secrets.*.source", "secrets.*.target", "configs.*.source", "configs.*.target",
	"scale", "container_name", "mem_limit", "cpus", "pids_limit",
	"deploy.replicas", "deploy.resources.limits.cpus", "deploy.resources.limits.memory",
	"deploy.resources.limits.pids", "deploy.restart_policy.condition",
	// informational here: reservations only guide a scheduler, swarm-only
	// settings are ignored by docker compose as well.
	"deploy.resources.reservations.cpus", "deploy.resources.reservations.memory",
	"mem_reservation", "deploy.mode", "deploy.labels", "deploy.placement",
	"deploy.update_config", "deploy.rollback_config", "deploy.endpoint_mode",
	"profiles", "extends", "build", "pull_policy", "pull_refresh_after", "platform",
	"logging", "attach", "develop",
)

var networkAttrs = patterns(
	"name", "driver", "driver_opts", "external", "internal", "attachable",
	"labels", "enable_ipv4", "enable_ipv6", "ipam.driver", "ipam.config.*.subnet",
	"ipam.config.*.ip_range", "ipam.config.*.gateway", "ipam.config.*.aux_addresses",
)

var volumeAttrs = patterns("name", "driver", "driver_opts", "external", "labels")

// hints explain, for some attributes, what to do instead.
var hints = map[string]string{
	"build":                                 "building images is not supported yet; set image: to a locally loaded image",
	"devices":                               "device access is not supported",
	"runtime":                               "alternative OCI runtimes are not supported",
	"gpus":                                  "GPUs are not supported",
	"volumes_from":                          "volumes_from is not supported; declare the volumes on each service",
	"security_opt":                          "security options are not supported",
	"shm_size":                              "setting the /dev/shm size is not supported",
	"ipc":                                   "sharing the IPC namespace is not supported",
	"pid":                                   "sharing the PID namespace is not supported",
	"external_links":                        "links to containers outside the project are not supported",
	"deploy.resources.reservations.devices": "device reservations (GPUs) are not supported",
}

type pattern []string

func patterns(ps ...string) []pattern {
	out := make([]pattern, len(ps))
	for i, p := range ps {
		out[i] = strings.Split(p, ".")
	}
	return out
}

// match reports whether parts is exactly a pattern (accept) or a prefix
// of one (descend).
func match(ps []pattern, parts []string) (exact, prefix bool) {
	for _, p := range ps {
		if len(p) < len(parts) {
			continue
		}
		ok := true
		for i, part := range parts {
			if p[i] != "*" && p[i] != part {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if len(p) == len(parts) {
			return true, true
		}
		prefix = true
	}
	return false, prefix
}

// screen reports every attribute of obj (a compose-go struct, rendered to
// its JSON form) that matches none of ps. base is the YAML path of obj.
func screen(ps []pattern, base string, obj any, report func(path, format string, args ...any)) {
	b, err := json.Marshal(obj)
	if err != nil {
		report(base, "cannot inspect: %v", err)
		return
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		report(base, "cannot inspect: %v", err)
		return
	}
	walk(ps, base, nil, tree, report)
}

func walk(ps []pattern, path string, parts []string, v any, report func(path, format string, args ...any)) {
	visit := func(key, sub string, child any) {
		if isEmpty(child) {
			return
		}
		next := append(append([]string{}, parts...), key)
		exact, prefix := match(ps, next)
		switch {
		case exact:
		case prefix:
			walk(ps, sub, next, child, report)
		default:
			msg := "not supported"
			if h, ok := hints[strings.Join(next, ".")]; ok {
				msg = h
			} else if h, ok := hints[key]; ok && len(parts) == 0 {
				msg = h
			}
			report(sub, "%s", msg)
		}
	}
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			visit(k, path+"."+k, t[k])
		}
	case []any:
		for i, e := range t {
			visit(strconv.Itoa(i), path+"["+strconv.Itoa(i)+"]", e)
		}
	}
}

// isEmpty treats zero values as absent: compose-go renders some unset
// fields (command: null, placement: {}, bind: {}).
func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case bool:
		return !t
	case string:
		return t == ""
	case float64:
		return t == 0
	case map[string]any:
		for _, e := range t {
			if !isEmpty(e) {
				return false
			}
		}
		return true
	case []any:
		return len(t) == 0
	}
	return false
}
