package netstack

import (
	"crypto/sha256"
	"encoding/hex"
)

// BridgeName returns the bridge interface name of a network: "mc-" and 12
// hex characters of sha256(network), within the 15-byte ifname limit.
func BridgeName(network string) string {
	return "mc-" + shortHash(network)
}

// VethName returns the host-side veth name of a container on a network:
// "mv-" and 12 hex characters of sha256(containerID + "\x00" + network).
func VethName(containerID, network string) string {
	return "mv-" + shortHash(containerID+"\x00"+network)
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:12]
}
