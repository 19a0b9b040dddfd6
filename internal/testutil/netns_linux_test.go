package testutil

import (
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

func TestInNewNetNS(t *testing.T) {
	RequireRoot(t)
	before, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer before.Close()
	InNewNetNS(t, func() {
		inside, err := netns.Get()
		if err != nil {
			t.Fatal(err)
		}
		defer inside.Close()
		if inside.Equal(before) {
			t.Fatal("fn runs in the original netns")
		}
		links, err := netlink.LinkList()
		if err != nil {
			t.Fatal(err)
		}
		if len(links) != 1 || links[0].Attrs().Name != "lo" || links[0].Attrs().OperState == netlink.OperDown {
			t.Fatalf("fresh netns links = %v, want only lo, up", links)
		}
	})
	after, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer after.Close()
	if !after.Equal(before) {
		t.Fatal("netns not restored")
	}
}

func TestNewPinnedNetNS(t *testing.T) {
	RequireRoot(t)
	path := NewPinnedNetNS(t)
	pinned, err := netns.GetFromPath(path)
	if err != nil {
		t.Fatal(err)
	}
	defer pinned.Close()
	cur, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close()
	if pinned.Equal(cur) {
		t.Fatal("pinned netns is the caller's")
	}
	h, err := netlink.NewHandleAt(pinned)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if lo.Attrs().Flags&1 == 0 {
		t.Fatal("lo is down in the pinned netns")
	}
}
