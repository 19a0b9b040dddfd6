// Command hello is the example stack's program: "serve ADDR" answers HTTP
// requests with the container's hostname; "fetch URL INTERVAL" fetches URL
// forever and prints each result, so that its log shows service discovery
// working.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	// As PID 1 of a container, a signal without a handler is ignored: exit
	// cleanly on SIGTERM/SIGINT so that stopping takes no grace period.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sigs; os.Exit(0) }()
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: hello serve ADDR | hello get URL | hello fetch URL [INTERVAL]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		serve(os.Args[2])
	case "get":
		os.Exit(get(os.Args[2]))
	case "fetch":
		every := time.Second
		if len(os.Args) > 3 {
			d, err := time.ParseDuration(os.Args[3])
			if err != nil {
				fmt.Fprintln(os.Stderr, "bad interval:", err)
				os.Exit(2)
			}
			every = d
		}
		fetch(os.Args[2], every)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", os.Args[1])
		os.Exit(2)
	}
}

func serve(addr string) {
	host, _ := os.Hostname()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s\n", host)
	})
	fmt.Println("serving on", addr)
	if err := http.ListenAndServe(addr, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// get fetches url once and prints the body; it exits non-zero on failure.
func get(url string) int {
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "GET", url, "failed:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(string(body))
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}

func fetch(url string, every time.Duration) {
	c := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := c.Get(url)
		if err != nil {
			fmt.Println("GET", url, "failed:", err)
		} else {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			fmt.Println("GET", url, "->", resp.StatusCode, strings.TrimSpace(string(body)))
		}
		time.Sleep(every)
	}
}
