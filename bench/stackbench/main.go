// Command stackbench times `up -d` (until every container runs and every
// published port answers) and `down` (until nothing is left) of generated
// busybox stacks, for mini-compose and for Docker Compose, and renders the
// markdown report of bench/run.sh.
//
//	stackbench image  -o busybox.tar -t bench/busybox:latest
//	stackbench updown -tool mini -bin bin/mini-compose -root DIR -o mini.json
//	stackbench updown -tool docker -compose docker-compose -o docker.json
//	stackbench report mini.json [docker.json...]
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "image":
		err = imageCmd(os.Args[2:])
	case "updown":
		err = updownCmd(os.Args[2:])
	case "report":
		err = reportCmd(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stackbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: stackbench image|updown|report [flags]")
	os.Exit(2)
}
