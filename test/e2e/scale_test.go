package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// clockTicks is the kernel's USER_HZ, the unit of /proc/<pid>/stat's CPU times.
const clockTicks = 100

// TestScale is make bench-scale: for each N of E2E_SCALE (e.g. "100,300"), it creates N MongoDB
// XRs at once (every other one a 3-member replica set), with the simulated kubelet, and
// measures the time until all are composed and all are Ready, the function's CPU in all and
// per call, its peak resident memory, and the API server's requests per XR; then it deletes
// them. It prints how each grows with N, and writes the table to E2E_LOGS/scale.md.
func TestScale(t *testing.T) {
	spec := os.Getenv("E2E_SCALE")
	if spec == "" {
		t.Skip("E2E_SCALE is not set: make bench-scale runs this")
	}
	fn := functionPID(t)
	startKubelet(t, false)
	rows := make([]string, 0, 2+strings.Count(spec, ",")+1)
	rows = append(rows,
		"| XRs | composed | all Ready | function calls | function CPU s | CPU ms / call | peak RSS MiB | API requests / XR |",
		"|---:|---:|---:|---:|---:|---:|---:|---:|")
	for field := range strings.SplitSeq(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			t.Fatalf("E2E_SCALE: %q is not a count", field)
		}
		rows = append(rows, scaleRun(t, fn, n))
		t.Log("\n" + strings.Join(rows, "\n"))
	}
	if c.logs != "" {
		if err := os.WriteFile(filepath.Join(c.logs, "scale.md"), []byte(strings.Join(rows, "\n")+"\n"), 0o600); err != nil {
			t.Error(err)
		}
	}
}

// scaleRun creates n XRs, waits for them, measures, deletes them and returns a table row.
func scaleRun(t *testing.T, fn, n int) string {
	t.Helper()
	xrs := c.dyn.Resource(gvrMongoDB).Namespace(c.ns)
	cpu0, calls0, requests0 := cpuTicks(t, fn), callsLogged(t), apiRequests(t)
	start := time.Now()
	want := map[string]int{}
	for i := range n {
		name := fmt.Sprintf("scale-%08x", i)
		replicas, composed := 1, 5
		if i%2 == 1 {
			replicas, composed = 3, 8
		}
		want[name] = composed
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "database.platform.io/v1alpha1", "kind": "MongoDB",
			"metadata": map[string]any{"name": name, "namespace": c.ns},
			"spec":     map[string]any{"replicas": int64(replicas), "storageGB": int64(1)},
		}}
		if _, err := xrs.Create(t.Context(), u, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	count := func(ready bool) func() error {
		return func() error {
			list, err := xrs.List(t.Context(), metav1.ListOptions{})
			if err != nil {
				return err
			}
			done := 0
			for i := range list.Items {
				u := &list.Items[i]
				refs, _, _ := unstructured.NestedSlice(u.Object, "spec", "crossplane", "resourceRefs")
				if w, ok := want[u.GetName()]; ok && len(refs) >= w && (!ready || conditionOf(u, "Ready").Status == "True") {
					done++
				}
			}
			if done < n {
				return fmt.Errorf("%d of %d", done, n)
			}
			return nil
		}
	}
	timeout := 2*time.Minute + time.Duration(n)*time.Second
	eventually(t, timeout, fmt.Sprintf("%d XRs composed", n), count(false))
	composedAt := time.Since(start)
	eventually(t, timeout, fmt.Sprintf("%d XRs Ready", n), count(true))
	readyAt := time.Since(start)
	// What the function and the API server did for them, until all were Ready.
	cpu, calls, requests := cpuTicks(t, fn)-cpu0, callsLogged(t)-calls0, apiRequests(t)-requests0
	perCall := 0.0
	if calls > 0 {
		perCall = float64(cpu) * 1000 / clockTicks / float64(calls)
	}
	row := fmt.Sprintf("| %d | %.1f s | %.1f s | %d | %.2f | %.2f | %.0f | %.0f |", n, composedAt.Seconds(), readyAt.Seconds(),
		calls, float64(cpu)/clockTicks, perCall, float64(peakRSS(t, fn))/1024, float64(requests)/float64(n))

	if err := xrs.DeleteCollection(t.Context(), metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, timeout, fmt.Sprintf("%d XRs gone", n), func() error {
		list, err := xrs.List(t.Context(), metav1.ListOptions{})
		if err != nil {
			return err
		}
		if len(list.Items) > 0 {
			return fmt.Errorf("%d left", len(list.Items))
		}
		return nil
	})
	// The volumes outlive their XRs; the next run starts without them.
	if err := c.kube.CoreV1().PersistentVolumeClaims(c.ns).DeleteCollection(t.Context(), metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	return row
}

// functionPID is the function's process, which hack/e2e/cluster.sh started in this PID
// namespace.
func functionPID(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmd, []byte("function-golden-path")) && bytes.Contains(cmd, []byte("--tls-certs-dir")) {
			return pid
		}
	}
	t.Fatal("the function's process is not in this PID namespace")
	return 0
}

// cpuTicks is the user and system CPU the process has used, in clock ticks.
func cpuTicks(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command (in parentheses, which may hold spaces): utime is the 12th
	// field after it, stime the 13th.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return utime + stime
}

// peakRSS is the process's peak resident memory in KiB (VmHWM).
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	s := bufio.NewScanner(bytes.NewReader(b))
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

// callsLogged counts the calls the function logged (it runs with --debug in the e2e): each
// call either composes or waits for required resources.
func callsLogged(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.logs, "function.log"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\tComposed\t")) + bytes.Count(b, []byte("\tWaiting for required resources\t"))
}

// apiRequests is the API server's count of requests served, from its metrics.
func apiRequests(t *testing.T) int64 {
	t.Helper()
	b, err := c.kube.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for line := range strings.SplitSeq(string(b), "\n") {
		if !strings.HasPrefix(line, "apiserver_request_total{") {
			continue
		}
		if v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64); err == nil {
			total += v
		}
	}
	return int64(total)
}
