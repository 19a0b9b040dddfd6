package runtime

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

func writeJSONAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %q: %w", path, err)
	}
	return writeFileAtomic(path, b)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// projectOf extracts the project from a container's meta.json.
func projectOf(b []byte) string {
	var m struct {
		Project string `json:"project"`
	}
	if json.Unmarshal(b, &m) != nil {
		return ""
	}
	return m.Project
}

// Project returns the project a container was started for ("" when its
// metadata is gone).
func (r *Runtime) Project(id string) string {
	b, err := os.ReadFile(filepath.Join(r.dir(id), "meta.json"))
	if err != nil {
		return ""
	}
	return projectOf(b)
}
