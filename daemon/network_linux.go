package daemon

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/mini-compose/mini-compose/api"
)

// networkRoutes serves the `network` verbs and `port`.
func (s *server) networkRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/networks", s.handle(func(r *http.Request) (any, error) {
		return s.eng.ListNetworks()
	}))
	mux.HandleFunc("GET /v1/networks/{name}", s.handle(func(r *http.Request) (any, error) {
		return s.eng.InspectNetwork(r.PathValue("name"))
	}))
	mux.HandleFunc("POST /v1/networks", s.handle(func(r *http.Request) (any, error) {
		var req api.NetworkCreate
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			return nil, fmt.Errorf("bad network create request: %w", err)
		}
		return s.eng.CreateNetwork(req)
	}))
	mux.HandleFunc("DELETE /v1/networks/{name}", s.handle(func(r *http.Request) (any, error) {
		return struct{}{}, s.eng.RemoveNetwork(r.PathValue("name"))
	}))
	mux.HandleFunc("POST /v1/networks/{name}/connect", s.handle(func(r *http.Request) (any, error) {
		var req api.ConnectRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			return nil, fmt.Errorf("bad network connect request: %w", err)
		}
		req.Network = r.PathValue("name")
		return struct{}{}, s.eng.Connect(req)
	}))
	mux.HandleFunc("POST /v1/networks/{name}/disconnect", s.handle(func(r *http.Request) (any, error) {
		var req api.ConnectRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			return nil, fmt.Errorf("bad network disconnect request: %w", err)
		}
		return struct{}{}, s.eng.Disconnect(r.PathValue("name"), req.Container)
	}))
	mux.HandleFunc("GET /v1/port", s.handle(func(r *http.Request) (any, error) {
		q := r.URL.Query()
		port, err := strconv.ParseUint(q.Get("port"), 10, 16)
		if err != nil {
			return nil, fmt.Errorf("bad port %q", q.Get("port"))
		}
		index, _ := strconv.Atoi(q.Get("index"))
		return s.eng.Port(q.Get("project"), q.Get("service"), uint16(port), q.Get("protocol"), index)
	}))
}
