package netstack

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
)

// poolsConfig is the file read by LoadPoolsConfig, shaped like the
// "default-address-pools" key of Docker's daemon.json.
type poolsConfig struct {
	Pools []struct {
		Base string `json:"base"`
		Size int    `json:"size"`
	} `json:"default-address-pools"`
}

// LoadPoolsConfig reads address pools from a JSON file (the alternative to
// MINI_COMPOSE_ADDRESS_POOLS), in the form of Docker's daemon.json:
//
//	{"default-address-pools": [
//	  {"base": "10.89.0.0/16", "size": 24},
//	  {"base": "fd00:6d63::/48", "size": 64}
//	]}
//
// Unknown keys are rejected; a family without pools falls back to its
// default in OpenIPAM.
func LoadPoolsConfig(path string) ([]Pool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load pools config: %w", err)
	}
	var cfg poolsConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("load pools config %q: %w", path, err)
	}
	var pools []Pool
	var errs []error
	for i, p := range cfg.Pools {
		base, err := netip.ParsePrefix(p.Base)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("default-address-pools[%d].base: %w", i, err))
		case base != base.Masked():
			errs = append(errs, fmt.Errorf("default-address-pools[%d].base %q: host bits set", i, p.Base))
		case p.Size < base.Bits() || p.Size > base.Addr().BitLen():
			errs = append(errs, fmt.Errorf("default-address-pools[%d].size %d: outside /%d../%d", i, p.Size, base.Bits(), base.Addr().BitLen()))
		default:
			pools = append(pools, Pool{Base: base, Size: p.Size})
		}
	}
	if len(cfg.Pools) == 0 {
		errs = append(errs, errors.New("default-address-pools: no pool given"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("load pools config %q: %w", path, err)
	}
	return pools, nil
}
