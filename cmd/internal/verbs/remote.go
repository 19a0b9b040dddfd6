package verbs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/mini-compose/mini-compose/internal/ondemand"
)

// LoaderSocket is where the warm loader of root listens.
func LoaderSocket(root string) string { return filepath.Join(root, "loader.sock") }

// LoaderLog is the warm loader's own log.
func LoaderLog(root string) string { return filepath.Join(root, "loader.log") }

// LoadReply is the warm loader's answer: the result or the error, and what
// compose-go warned about on the way, to be shown by the CLI.
type LoadReply struct {
	Result   *LoadResult `json:"result,omitempty"`
	Error    string      `json:"error,omitempty"`
	Warnings string      `json:"warnings,omitempty"`
}

// Remote loads through the warm loader process of a state root, starting
// it with Start when none answers (and again if it died).
type Remote struct {
	Root  string
	Start []string // argv of the loader; nil when there is none to start
}

// Load sends req to the loader and prints the loader's warnings.
func (r Remote) Load(req LoadRequest) (*LoadResult, error) {
	_, err := unix.IoctlGetTermios(int(os.Stderr.Fd()), unix.TCGETS)
	req.Terminal = err == nil
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	var reply LoadReply
	// A loader that exits (idle) or dies between our dial and its reply
	// is replaced by the second attempt.
	for attempt := 0; ; attempt++ {
		if err = r.call(body, &reply); err == nil || attempt == 1 {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("loader of %s: %w (see %s)", r.Root, err, LoaderLog(r.Root))
	}
	os.Stderr.WriteString(reply.Warnings)
	if reply.Error != "" {
		return nil, errors.New(reply.Error)
	}
	if reply.Result == nil {
		return nil, fmt.Errorf("loader of %s: empty reply", r.Root)
	}
	return reply.Result, nil
}

func (r Remote) call(body []byte, out *LoadReply) error {
	hc := &http.Client{Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return ondemand.Dial(ctx, LoaderSocket(r.Root), func() error {
				if len(r.Start) == 0 {
					return errors.New("mini-compose-full, which serves it, is not installed next to mini-compose")
				}
				if err := os.MkdirAll(r.Root, 0o700); err != nil {
					return err
				}
				return ondemand.Spawn(LoaderLog(r.Root), r.Start...)
			})
		},
	}}
	resp, err := hc.Post("http://loader/v1/load", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s", resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
