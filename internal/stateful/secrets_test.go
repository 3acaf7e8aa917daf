package stateful

import (
	"strings"
	"testing"
)

func TestRandomAlphanumeric(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s, err := RandomAlphanumeric(32)
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != 32 || strings.Trim(s, alphanumeric) != "" {
			t.Fatalf("RandomAlphanumeric(32): want 32 alphanumeric characters, got %q", s)
		}
		if seen[s] {
			t.Fatalf("RandomAlphanumeric(32): %q twice", s)
		}
		seen[s] = true
	}
}
