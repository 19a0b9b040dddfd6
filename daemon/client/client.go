// Package client talks to the daemon of a state root over its unix
// socket, starting the daemon when none answers. It links only the API's
// types, so that the CLI stays small.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/mini-compose/mini-compose/api"
	"github.com/mini-compose/mini-compose/internal/ondemand"
)

// Client talks to the daemon of a state root, starting it when needed.
type Client struct {
	root  string
	start []string
	http  *http.Client
}

// Connect returns a client of root's daemon, starting it with argv
// (detached, in its own session) if none answers. Every later connection
// does the same, so a daemon that exited when idle, or crashed, is
// replaced on the next request.
func Connect(root string, argv []string) (*Client, error) {
	c := &Client{root: root, start: argv}
	c.http = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return c.dial(ctx) },
	}}
	conn, err := c.dial(context.Background())
	if err != nil {
		return nil, err
	}
	conn.Close()
	return c, nil
}

// dial connects to the daemon, starting one when none answers.
func (c *Client) dial(ctx context.Context) (net.Conn, error) {
	conn, err := ondemand.DialOrStart(ctx, c.root, api.SocketPath(c.root), api.DaemonLogPath(c.root), c.start)
	if errors.Is(err, ondemand.ErrNotStarted) {
		return nil, fmt.Errorf("daemon of %s did not start; see %s", c.root, api.DaemonLogPath(c.root))
	}
	return conn, err
}

func (c *Client) call(method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequest(method, "http://daemon"+path, bytes.NewReader(body))
		if err != nil {
			return err
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return fmt.Errorf("daemon: %w", err)
		}
		// A daemon that is exiting turns requests away untouched: ask
		// again, which starts its successor.
		if resp.StatusCode == http.StatusServiceUnavailable && attempt < 100 {
			resp.Body.Close()
			c.http.CloseIdleConnections()
			time.Sleep(20 * time.Millisecond)
			continue
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			var e api.ErrorReply
			if json.NewDecoder(resp.Body).Decode(&e) == nil && e.Error != "" {
				return errors.New(e.Error)
			}
			return fmt.Errorf("daemon: %s", resp.Status)
		}
		if out == nil {
			return nil
		}
		return json.NewDecoder(resp.Body).Decode(out)
	}
}

// Up brings a project up and returns its containers.
func (c *Client) Up(req api.UpRequest) ([]api.ContainerSummary, error) {
	var out []api.ContainerSummary
	return out, c.call("POST", "/v1/up", req, &out)
}

// Down removes a project.
func (c *Client) Down(req api.DownRequest) error { return c.call("POST", "/v1/down", req, nil) }

// Ps lists a project's containers.
func (c *Client) Ps(project string) ([]api.ContainerSummary, error) {
	var out []api.ContainerSummary
	return out, c.call("GET", "/v1/ps?project="+url.QueryEscape(project), nil, &out)
}

// Projects lists the projects of this root.
func (c *Client) Projects() ([]string, error) {
	var out []string
	return out, c.call("GET", "/v1/projects", nil, &out)
}
