package runtime

import (
	"encoding/json"
	"fmt"
	goruntime "runtime"
)

func hostArch() string { return goruntime.GOARCH }

func writeJSONAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %q: %w", path, err)
	}
	return writeFileAtomic(path, b)
}
