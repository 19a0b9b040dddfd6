package engine

import "github.com/mini-compose/mini-compose/api"

// The engine's requests and replies are the daemon API's own types.
type (
	UpOptions        = api.UpOptions
	DownOptions      = api.DownOptions
	ContainerSummary = api.ContainerSummary
	NetworkSummary   = api.NetworkSummary
	NetworkInspect   = api.NetworkInspect
	NetworkContainer = api.NetworkContainer
	NetworkCreate    = api.NetworkCreate
	ConnectRequest   = api.ConnectRequest
)
