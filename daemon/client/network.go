package client

import (
	"fmt"
	"net/url"

	"github.com/mini-compose/mini-compose/api"
)

// Networks lists every network of the state root.
func (c *Client) Networks() ([]api.NetworkSummary, error) {
	var out []api.NetworkSummary
	return out, c.call("GET", "/v1/networks", nil, &out)
}

// InspectNetwork describes a network and its containers.
func (c *Client) InspectNetwork(name string) (*api.NetworkInspect, error) {
	var out api.NetworkInspect
	return &out, c.call("GET", "/v1/networks/"+url.PathEscape(name), nil, &out)
}

// CreateNetwork makes a standalone network.
func (c *Client) CreateNetwork(req api.NetworkCreate) (*api.NetworkSummary, error) {
	var out api.NetworkSummary
	return &out, c.call("POST", "/v1/networks", req, &out)
}

// RemoveNetwork removes a standalone network that nothing uses.
func (c *Client) RemoveNetwork(name string) error {
	return c.call("DELETE", "/v1/networks/"+url.PathEscape(name), nil, nil)
}

// Connect hot-plugs a running container into a network.
func (c *Client) Connect(req api.ConnectRequest) error {
	return c.call("POST", "/v1/networks/"+url.PathEscape(req.Network)+"/connect", req, nil)
}

// Disconnect unplugs a container from a network.
func (c *Client) Disconnect(network, container string) error {
	return c.call("POST", "/v1/networks/"+url.PathEscape(network)+"/disconnect",
		api.ConnectRequest{Network: network, Container: container}, nil)
}

// Port returns the host address publishing a service's container port.
func (c *Client) Port(project, service string, port uint16, proto string, index int) (string, error) {
	q := url.Values{"project": {project}, "service": {service}, "port": {fmt.Sprint(port)},
		"protocol": {proto}, "index": {fmt.Sprint(index)}}
	var out string
	return out, c.call("GET", "/v1/port?"+q.Encode(), nil, &out)
}
