package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/mini-compose/mini-compose/engine"
)

// Client talks to the daemon of a state root, starting it when needed.
type Client struct {
	root string
	http *http.Client
}

// Connect returns a client of root's daemon, spawning the daemon (detached,
// in its own session) if none answers. Every later connection does the same,
// so a daemon that exited when idle, or crashed, is replaced on the next
// request.
func Connect(root string) (*Client, error) {
	c := &Client{root: root}
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
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", SocketPath(c.root))
	if err == nil {
		return conn, nil
	}
	if err := spawn(c.root); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if conn, err = d.DialContext(ctx, "unix", SocketPath(c.root)); err == nil {
			return conn, nil
		}
	}
	return nil, fmt.Errorf("daemon of %s did not start; see %s", c.root, LogPath(c.root))
}

func spawn(root string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return err
	}
	logf, err := os.OpenFile(LogPath(root), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	// Prefer the daemon's own binary installed next to ours: it starts
	// containers faster (see cmd/mini-compose-daemon).
	cmd := exec.Command(self, "--root", root, "daemon")
	if d := filepath.Join(filepath.Dir(self), "mini-compose-daemon"); isExecutable(d) {
		cmd = exec.Command(d, "--root", root)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start daemon: %w", err)
	}
	return cmd.Process.Release()
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
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
			var e errorReply
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
func (c *Client) Up(req UpRequest) ([]engine.ContainerSummary, error) {
	var out []engine.ContainerSummary
	return out, c.call("POST", "/v1/up", req, &out)
}

// Down removes a project.
func (c *Client) Down(req DownRequest) error { return c.call("POST", "/v1/down", req, nil) }

// Ps lists a project's containers.
func (c *Client) Ps(project string) ([]engine.ContainerSummary, error) {
	var out []engine.ContainerSummary
	return out, c.call("GET", "/v1/ps?project="+url.QueryEscape(project), nil, &out)
}

// Projects lists the projects of this root.
func (c *Client) Projects() ([]string, error) {
	var out []string
	return out, c.call("GET", "/v1/projects", nil, &out)
}
