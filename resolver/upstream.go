package resolver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// defaultUpstream asks servers in order over UDP, retrying a truncated
// answer over TCP, with a per-server timeout.
type defaultUpstream struct {
	timeout time.Duration
}

// Exchange returns the first answer that is neither SERVFAIL nor REFUSED;
// failing that, the last such answer; failing that, every error.
func (u *defaultUpstream) Exchange(ctx context.Context, m *dns.Msg, servers []string) (*dns.Msg, error) {
	var (
		errs []error
		last *dns.Msg
	)
	for _, srv := range servers {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("forward to %s: %w", srv, err))
			break
		}
		resp, err := u.exchangeOne(ctx, m, srv)
		if err != nil {
			errs = append(errs, fmt.Errorf("forward to %s: %w", srv, err))
			continue
		}
		if resp.Rcode == dns.RcodeServerFailure || resp.Rcode == dns.RcodeRefused {
			last = resp
			continue
		}
		return resp, nil
	}
	if last != nil {
		return last, nil
	}
	if len(errs) == 0 {
		return nil, errors.New("forward: no upstream servers")
	}
	return nil, errors.Join(errs...)
}

// exchangeOne asks one server, over TCP again if the UDP answer was
// truncated.
func (u *defaultUpstream) exchangeOne(ctx context.Context, m *dns.Msg, srv string) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, u.timeout)
	defer cancel()
	c := &dns.Client{Net: "udp", Timeout: u.timeout}
	resp, _, err := c.ExchangeContext(ctx, m, srv)
	if err != nil {
		return nil, fmt.Errorf("udp: %w", err)
	}
	if !resp.Truncated {
		return resp, nil
	}
	c.Net = "tcp"
	resp, _, err = c.ExchangeContext(ctx, m, srv)
	if err != nil {
		return nil, fmt.Errorf("tcp after truncation: %w", err)
	}
	return resp, nil
}
