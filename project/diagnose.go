package project

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/interpolation"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// portProblems locates the short-syntax port entries that compose-go
// rejects without saying where ("invalid ranges specified for container
// and host Ports"). It re-reads the files only after a failed load.
func portProblems(paths []string, env types.Mapping) []error {
	var problems []error
	for _, f := range paths {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var dict map[string]any
		if err := yaml.Unmarshal(b, &dict); err != nil || dict == nil {
			continue
		}
		dict, err = interpolation.Interpolate(dict, interpolation.Options{LookupValue: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		}})
		if err != nil {
			continue
		}
		services, _ := dict["services"].(map[string]any)
		for _, name := range sortedKeys(services) {
			svc, _ := services[name].(map[string]any)
			ports, _ := svc["ports"].([]any)
			for i, e := range ports {
				var spec string
				switch v := e.(type) {
				case string:
					spec = v
				case int:
					spec = fmt.Sprint(v)
				default:
					continue
				}
				if _, err := types.ParsePortConfig(spec); err != nil {
					problems = append(problems, &Problem{
						File: filepath.Base(f),
						Path: fmt.Sprintf("services.%s.ports[%d]", name, i),
						Msg:  fmt.Sprintf("%q: %v", spec, err),
					})
				}
			}
		}
	}
	return problems
}
