package engine

// Restore brings back, after a restart of the daemon, what lives in this
// process or may have been lost: bridges, firewall rules, DNS listeners and
// records, and the watch over running containers. Containers themselves kept
// running meanwhile.
func (e *Engine) Restore() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	projects, err := e.Projects()
	if err != nil {
		return err
	}
	for _, name := range projects {
		st, err := e.loadState(name)
		if err != nil || st == nil {
			e.logf("restore %s: %v", name, err)
			continue
		}
		e.restoreNetworks(st)
		if err := e.applyRules(st); err != nil {
			e.logf("restore rules of %s: %v", name, err)
		}
		for _, c := range st.Containers {
			if !e.isRunning(c.Name) {
				if c.Status == "running" {
					c.Status = "exited"
				}
				continue
			}
			e.registerDNS(st, c)
			e.watchRestored(name, c.Name, c.ID)
		}
		if err := e.saveState(st); err != nil {
			e.logf("restore %s: %v", name, err)
		}
	}
	return nil
}
