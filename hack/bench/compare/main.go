// Command compare serves function-golden-path and a no-op function on the same SDK over
// loopback gRPC, each in its own process (pinned to one core with taskset when it exists),
// sends both the same requests, interleaved, and prints for every request per server: p50 and
// p90 latency as the client sees it, the server's CPU time per 1000 calls (utime+stime from
// /proc/PID/stat), its peak resident memory so far (VmHWM from /proc/PID/status), and the ratio
// of the function to the no-op.
//
// usage (from hack/bench):
//
//	go run ./compare -function BIN -noop BIN [-testdata testdata] [-n 2000] [-warmup 200] [-cpu 1]
//
// The requests are testdata/<golden path>/<xr>.<case>.json (go run ./gen writes them). Before
// measuring, each is completed as Crossplane would: the function's requirements are answered
// with no resources (nothing exists in the cluster) until they settle.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// userHZ is the unit of utime and stime in /proc/PID/stat: USER_HZ, 100 on every Linux
// architecture Go supports.
const userHZ = 100

func main() {
	var (
		fnBin    = flag.String("function", "", "function-golden-path binary (required)")
		noopBin  = flag.String("noop", "", "no-op function binary (required)")
		testdata = flag.String("testdata", "testdata", "directory of request files, <golden path>/<name>.<case>.json")
		n        = flag.Int("n", 2000, "measured calls per server and request")
		warmup   = flag.Int("warmup", 200, "calls per server and request before measuring")
		cpu      = flag.String("cpu", strconv.Itoa(runtime.NumCPU()-1), "taskset CPU list both servers are pinned to; empty: no pinning")
	)
	flag.Parse()
	if *fnBin == "" || *noopBin == "" || *n < 10 || *warmup < 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*fnBin, *noopBin, *testdata, *n, *warmup, *cpu); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

// A request file.
type request struct {
	path string // golden path, the file's directory
	name string // e.g. "steady (xr)"
	req  *fnv1.RunFunctionRequest
	// answered are the requirement keys answered with no resources.
	answered []string
}

// A server under test.
type server struct {
	name   string
	pid    int
	cmd    *exec.Cmd
	conn   *grpc.ClientConn
	client fnv1.FunctionRunnerServiceClient
	ready  time.Duration // from exec to the first answered call
	start  usage         // at that moment
}

// usage of a server process.
type usage struct {
	cpu time.Duration // utime+stime
	hwm int64         // VmHWM, bytes
	rss int64         // VmRSS, bytes
}

// sample is what one server did for one request.
type sample struct {
	lat []time.Duration
	cpu time.Duration
	hwm int64
}

func run(fnBin, noopBin, testdata string, n, warmup int, cpu string) error {
	reqs, err := load(testdata)
	if err != nil {
		return err
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil || cpu == "" {
		taskset = ""
	}

	var servers []*server
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	for _, b := range []struct{ name, bin string }{{"function-golden-path", fnBin}, {"no-op", noopBin}} {
		s, err := start(b.name, b.bin, taskset, cpu, reqs[0].req)
		if err != nil {
			return err
		}
		servers = append(servers, s)
	}
	fn, noop := servers[0], servers[1]
	for i := range reqs {
		if reqs[i].answered, err = answerRequirements(fn, reqs[i].req); err != nil {
			return fmt.Errorf("%s/%s: %w", reqs[i].path, reqs[i].name, err)
		}
	}

	results := make([][2]sample, len(reqs))
	for i, r := range reqs {
		if results[i], err = measure(r, fn, noop, n, warmup); err != nil {
			return fmt.Errorf("%s/%s: %w", r.path, r.name, err)
		}
	}

	pinned := "not pinned (taskset missing or -cpu empty)"
	if taskset != "" {
		pinned = "each pinned to CPU " + cpu + " (taskset)"
	}
	return report(os.Stdout, reqs, results, fn, noop, n, warmup, pinned)
}

// printer writes until the first error, which it keeps.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, a...)
	}
}

// report prints the table.
func report(w io.Writer, reqs []request, results [][2]sample, fn, noop *server, n, warmup int, pinned string) error {
	out := &printer{w: w}
	out.printf("\nServers on 127.0.0.1, %s, metrics off; %d calls per server and request after %d warm-up calls, interleaved; %s.\n",
		pinned, n, warmup, cpuModel())
	out.printf("Start-up (exec to first answered call): function-golden-path %s, %s CPU, %s RSS; no-op %s, %s CPU, %s RSS.\n\n",
		ms(fn.ready), ms(fn.start.cpu), mb(fn.start.rss), ms(noop.ready), ms(noop.start.cpu), mb(noop.start.rss))

	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.Debug)
	table := &printer{w: tw}
	table.printf("golden path\t case\t server\t p50\t p90\t CPU per 1000 calls\t peak RSS\t\n")
	table.printf("---\t---\t---\t---\t---\t---\t---\t\n")
	for i, r := range reqs {
		f, o := results[i][0], results[i][1]
		name := r.name
		if len(r.answered) > 0 {
			name += " +" + strconv.Itoa(len(r.answered)) + " req."
		}
		table.printf("%s\t %s\t %s\t %s\t %s\t %s\t %s\t\n", r.path, name, fn.name,
			ms(pct(f.lat, 50)), ms(pct(f.lat, 90)), sec(f.cpu*1000/time.Duration(n)), mb(f.hwm))
		table.printf("\t\t %s\t %s\t %s\t %s\t %s\t\n", noop.name,
			ms(pct(o.lat, 50)), ms(pct(o.lat, 90)), sec(o.cpu*1000/time.Duration(n)), mb(o.hwm))
		table.printf("\t\t ratio\t %s\t %s\t %s\t %s\t\n",
			ratio(pct(f.lat, 50), pct(o.lat, 50)), ratio(pct(f.lat, 90), pct(o.lat, 90)), ratio(f.cpu, o.cpu), ratio(f.hwm, o.hwm))
	}
	if table.err != nil {
		return table.err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range reqs {
		if len(r.answered) > 0 {
			out.printf("\n%s/%s, +%d req.: measured with %s answered with no resources,\nas Crossplane calls again when nothing matches.",
				r.path, r.name, len(r.answered), strings.Join(r.answered, ", "))
		}
	}
	out.printf("\nLatency is the client's (gRPC marshalling and loopback included, the same for both); CPU is the server's\n"+
		"(GC included), counted in %d ms ticks: ±%s per 1000 calls at -n %d. Peak RSS is the process's so far.\n",
		1000/userHZ, sec(time.Second/userHZ*1000/time.Duration(n)), n)
	return out.err
}

// load reads the request files, in golden path and file order, fresh before steady.
func load(dir string) ([]request, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no request files under %s (run: go run ./gen)", dir)
	}
	var reqs []request
	for _, p := range paths {
		b, err := os.ReadFile(p) //nolint:gosec // the request files of this repository
		if err != nil {
			return nil, err
		}
		req := &fnv1.RunFunctionRequest{}
		if err := protojson.Unmarshal(b, req); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		base := strings.TrimSuffix(filepath.Base(p), ".json")
		xr, c, _ := strings.Cut(base, ".")
		reqs = append(reqs, request{path: filepath.Base(filepath.Dir(p)), name: c + " (" + xr + ")", req: req})
	}
	slices.SortFunc(reqs, func(a, b request) int {
		return cmp.Or(strings.Compare(a.path, b.path), strings.Compare(a.name, b.name))
	})
	return reqs, nil
}

// maxRequirementRounds is how often Crossplane calls a function again with what it required
// before it gives up on the requirements settling.
const maxRequirementRounds = 5

// answerRequirements does what Crossplane does before it takes a function's answer: it calls
// the function again with the resources it requires, here none (nothing matches), until the
// requirements settle. A new instance is composed only then. It returns the keys answered.
func answerRequirements(s *server, req *fnv1.RunFunctionRequest) ([]string, error) {
	var answered []string
	for range maxRequirementRounds {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		rsp, err := s.client.RunFunction(ctx, req)
		cancel()
		if err != nil {
			return nil, err
		}
		added := false
		for k := range rsp.GetRequirements().GetResources() {
			if _, ok := req.GetRequiredResources()[k]; ok {
				continue
			}
			if req.RequiredResources == nil {
				req.RequiredResources = map[string]*fnv1.Resources{}
			}
			req.RequiredResources[k] = &fnv1.Resources{}
			answered = append(answered, k)
			added = true
		}
		if !added {
			slices.Sort(answered)
			return answered, nil
		}
	}
	return nil, fmt.Errorf("the requirements did not settle after %d calls", maxRequirementRounds)
}

// start runs a server on a free loopback port and waits until it answers req.
func start(name, bin, taskset, cpu string, req *fnv1.RunFunctionRequest) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	args := []string{"--address", addr, "--insecure", "--metrics-address", ""}
	cmd := exec.Command(bin, args...) //nolint:gosec,noctx // the binaries `make bench` built; stopped by stop
	if taskset != "" {
		// taskset execs the server: the PID is the server's own.
		cmd = exec.Command(taskset, append([]string{"-c", cpu, bin}, args...)...) //nolint:gosec,noctx // as above
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s := &server{name: name, pid: cmd.Process.Pid, cmd: cmd}

	// Poll the port rather than the gRPC client, whose reconnect backoff starts at a second.
	for deadline := time.Now().Add(30 * time.Second); ; {
		c, err := (&net.Dialer{Timeout: time.Second}).DialContext(context.Background(), "tcp", addr)
		if err == nil {
			_ = c.Close()
			break
		}
		select {
		case werr := <-exited:
			return nil, fmt.Errorf("%s exited before listening: %w", name, werr)
		default:
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("%s: not listening on %s: %w", name, addr, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if s.conn, err = grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials())); err != nil {
		s.stop()
		return nil, err
	}
	s.client = fnv1.NewFunctionRunnerServiceClient(s.conn)
	if _, err := call(s, req); err != nil {
		s.stop()
		return nil, err
	}
	s.ready = time.Since(t0)
	if s.start, err = usageOf(s.pid); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *server) stop() {
	if s.conn != nil {
		_ = s.conn.Close()
	}
	_ = s.cmd.Process.Kill()
}

// measure sends r to both servers: warm-up calls, then n calls each, alternating which
// goes first.
func measure(r request, a, b *server, n, warmup int) ([2]sample, error) {
	var out [2]sample
	servers := [2]*server{a, b}
	for range warmup {
		for _, s := range servers {
			if _, err := call(s, r.req); err != nil {
				return out, err
			}
		}
	}
	var before [2]usage
	for i, s := range servers {
		u, err := usageOf(s.pid)
		if err != nil {
			return out, err
		}
		before[i] = u
		out[i].lat = make([]time.Duration, 0, n)
	}
	for i := range n {
		for j := range 2 {
			k := (i + j) % 2
			d, err := call(servers[k], r.req)
			if err != nil {
				return out, err
			}
			out[k].lat = append(out[k].lat, d)
		}
	}
	for i, s := range servers {
		u, err := usageOf(s.pid)
		if err != nil {
			return out, err
		}
		out[i].cpu, out[i].hwm = u.cpu-before[i].cpu, u.hwm
		slices.Sort(out[i].lat)
	}
	return out, nil
}

// call sends one request and fails on a fatal result: a benchmark of an error is no benchmark.
func call(s *server, req *fnv1.RunFunctionRequest) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	t0 := time.Now()
	rsp, err := s.client.RunFunction(ctx, req)
	d := time.Since(t0)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", s.name, err)
	}
	for _, res := range rsp.GetResults() {
		if res.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
			return 0, fmt.Errorf("%s: fatal result: %s", s.name, res.GetMessage())
		}
	}
	return d, nil
}

// usageOf reads a process's CPU time from /proc/PID/stat and its memory from /proc/PID/status.
func usageOf(pid int) (usage, error) {
	var u usage
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return u, err
	}
	// Fields after the command, which is in parentheses: state (3) … utime (14), stime (15).
	_, rest, ok := bytes.Cut(stat, []byte(") "))
	f := strings.Fields(string(rest))
	if !ok || len(f) < 13 {
		return u, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	for _, s := range f[11:13] {
		t, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return u, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		u.cpu += time.Duration(t) * time.Second / userHZ
	}

	status, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, err
	}
	defer func() { _ = status.Close() }()
	sc := bufio.NewScanner(status)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		var dst *int64
		switch k {
		case "VmHWM":
			dst = &u.hwm
		case "VmRSS":
			dst = &u.rss
		default:
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil {
			return u, fmt.Errorf("/proc/%d/status: %s: %w", pid, k, err)
		}
		*dst = kb * 1024
	}
	return u, sc.Err()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0") //nolint:noctx // a port to hand to a server
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("not a TCP address")
	}
	return addr.Port, nil
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return fmt.Sprintf("%s, %d CPUs", strings.TrimSpace(v), runtime.NumCPU())
		}
	}
	return runtime.GOARCH
}

func pct(sorted []time.Duration, p int) time.Duration {
	return sorted[(len(sorted)-1)*p/100]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }

func sec(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }

func mb(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func ratio[T time.Duration | int64](a, b T) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f×", float64(a)/float64(b))
}
