package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mini-compose/mini-compose/netstack"
)

func TestAddressPools(t *testing.T) {
	root := t.TempDir()
	t.Setenv(netstack.EnvAddressPools, "")
	got, err := addressPools(root)
	if err != nil || fmt.Sprint(got) != fmt.Sprint(netstack.DefaultPools()) {
		t.Fatalf("no config: %v, %v; want the defaults", got, err)
	}
	file := `{"default-address-pools": [{"base": "172.31.0.0/16", "size": 26}, {"base": "fd00:1::/48", "size": 64}]}`
	if err := os.WriteFile(filepath.Join(root, PoolsFile), []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err = addressPools(root)
	if err != nil || fmt.Sprint(got) != "[172.31.0.0/16/26 fd00:1::/48/64]" {
		t.Fatalf("pools file: %v, %v", got, err)
	}
	t.Setenv(netstack.EnvAddressPools, "10.50.0.0/16/24")
	got, err = addressPools(root)
	if err != nil || fmt.Sprint(got) != "[10.50.0.0/16/24]" {
		t.Fatalf("environment over file: %v, %v", got, err)
	}
	t.Setenv(netstack.EnvAddressPools, "")
	if err := os.WriteFile(filepath.Join(root, PoolsFile), []byte(`{"pools": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := addressPools(root); err == nil {
		t.Fatal("a bad pools file was accepted")
	}
}
