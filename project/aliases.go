package project

import "github.com/mini-compose/mini-compose/project/plan"

// The plan types live in project/plan, so that the daemon can use them
// without linking compose-go; these aliases keep them at hand here.
type (
	Plan           = plan.Plan
	Network        = plan.Network
	IPAMConfig     = plan.IPAMConfig
	Volume         = plan.Volume
	Service        = plan.Service
	Container      = plan.Container
	ServiceNetwork = plan.ServiceNetwork
	Port           = plan.Port
	Dependency     = plan.Dependency
	HostEntry      = plan.HostEntry
	Mount          = plan.Mount
	Healthcheck    = plan.Healthcheck
	Resources      = plan.Resources
	Ulimit         = plan.Ulimit
	ImageConfig    = plan.ImageConfig
	Process        = plan.Process
)

// DefaultPath is the PATH given to a container whose image sets none.
const DefaultPath = plan.DefaultPath
