// Command noop is the baseline of `make bench`: a composition function built on the same SDK
// (function-sdk-go v0.7.1) and served the same way as function-golden-path, whose RunFunction
// only echoes the request's desired state. What it costs per call is the SDK's and gRPC's
// share; function-golden-path's latency and CPU are reported as a ratio to it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/crossplane/function-sdk-go"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/response"
)

// noop does nothing but copy the desired state into the response.
type noop struct {
	fnv1.UnimplementedFunctionRunnerServiceServer
}

// RunFunction returns the request's desired state and context, unchanged.
func (noop) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	return response.To(req, response.DefaultTTL), nil
}

func main() {
	// The flags function-golden-path's CLI has, so both are started with the same arguments.
	var (
		network  = flag.String("network", "tcp", "network on which to listen for gRPC connections")
		address  = flag.String("address", ":9443", "address at which to listen for gRPC connections")
		insecure = flag.Bool("insecure", false, "run without mTLS credentials")
		certs    = flag.String("tls-certs-dir", os.Getenv("TLS_SERVER_CERTS_DIR"), "directory with tls.key, tls.crt and ca.crt")
		maxRecv  = flag.Int("max-recv-message-size", 4, "maximum size of received messages in MB")
		metrics  = flag.String("metrics-address", "", "address at which to serve Prometheus metrics; empty turns it off")
	)
	flag.Parse()

	err := function.Serve(noop{},
		function.Listen(*network, *address),
		function.MTLSCertificates(*certs),
		function.Insecure(*insecure),
		function.MaxRecvMessageSize(*maxRecv*1024*1024),
		function.WithMetricsServer(*metrics))
	if err != nil {
		fmt.Fprintln(os.Stderr, "noop:", err)
		os.Exit(1)
	}
}
