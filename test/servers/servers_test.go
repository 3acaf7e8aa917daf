package servers

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// server is the path of a server program: the first of candidates that exists. Without one,
// the test skips, or fails where GOLDEN_PATH_REQUIRE_SERVERS=1 (CI, which installs them with
// hack/servers/install.sh).
func server(t *testing.T, candidates ...string) string {
	t.Helper()
	for _, c := range candidates {
		if filepath.IsAbs(c) {
			if _, err := os.Stat(c); err == nil {
				return c
			}
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	msg := "none of " + strings.Join(candidates, ", ") + " is installed (hack/servers/install.sh installs them)"
	if os.Getenv("GOLDEN_PATH_REQUIRE_SERVERS") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}
