// Package main implements a Composition Function.
package main

import (
	"sync"

	"github.com/alecthomas/kong"
	"github.com/go-logr/zapr"
	"go.uber.org/zap"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/mem"

	"github.com/crossplane/function-sdk-go"
	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/logging"
)

// CLI of this Function.
type CLI struct {
	Debug bool `help:"Emit debug logs in addition to info logs." short:"d"`

	Network            string `default:"tcp"                                                                                 help:"Network on which to listen for gRPC connections."`
	Address            string `default:":9443"                                                                               help:"Address at which to listen for gRPC connections."`
	TLSCertsDir        string `env:"TLS_SERVER_CERTS_DIR"                                                                    help:"Directory containing server certs (tls.key, tls.crt) and the CA used to verify client certificates (ca.crt)"`
	Insecure           bool   `help:"Run without mTLS credentials. If you supply this flag --tls-certs-dir will be ignored."`
	MaxRecvMessageSize int    `default:"4"                                                                                   help:"Maximum size of received messages in MB."`
	MetricsAddress     string `default:":8080"                                                                               help:"Address at which to serve Prometheus metrics. Empty turns the metrics server off."`
}

// Run this Function.
func (c *CLI) Run() error {
	log, err := newLogger(c.Debug)
	if err != nil {
		return err
	}

	return function.Serve(&Function{log: log},
		function.Listen(c.Network, c.Address),
		function.MTLSCertificates(c.TLSCertsDir),
		function.Insecure(c.Insecure),
		function.MaxRecvMessageSize(c.MaxRecvMessageSize*1024*1024),
		function.WithMetricsServer(c.MetricsAddress))
}

// newLogger is function.NewLogger without zap's sampler in production: the sampler holds 448
// KiB of counters for the life of the process, about 15 % of its live heap, to thin out floods
// of identical Info lines, and this function logs at Debug only.
func newLogger(debug bool) (logging.Logger, error) {
	cfg := zap.NewProductionConfig()
	if debug {
		cfg = zap.NewDevelopmentConfig()
	}
	cfg.Sampling = nil
	zl, err := cfg.Build(zap.AddCallerSkip(1))
	if err != nil {
		return nil, errors.Wrap(err, "cannot create zap logger")
	}
	return logging.NewLogrLogger(zapr.NewLogger(zl)), nil
}

// bufferTiers are the sizes, as powers of two, of the buffers gRPC reads requests into and
// writes responses from: gRPC's own (256 B, 4, 16 and 32 KiB, 1 MiB) with the powers of two
// between 32 KiB and 1 MiB added. With gRPC's, every request over 32 KiB, which is any data
// service's steady state, holds a 1 MiB buffer while it is served and while the pool keeps
// it, so the garbage collector's heap goal, and the process's memory, grows by twice that.
var bufferTiers = []uint8{8, 12, 14, 15, 16, 17, 18, 19, 20} //nolint:gochecknoglobals // Constant.

// setUpGRPC has gRPC use bufferTiers and decode requests with requestCodec, once. gRPC asks
// for both before anything uses them: before the server starts.
func setUpGRPC() {
	grpcSetUp.Do(func() {
		pool, err := mem.NewBinaryTieredBufferPool(bufferTiers...)
		if err != nil {
			panic(err) // The tiers are constant.
		}
		experimental.SetDefaultBufferPool(pool)
		encoding.RegisterCodecV2(newRequestCodec()) // In place of gRPC's own, which it wraps.
	})
}

var grpcSetUp sync.Once //nolint:gochecknoglobals // What main, and tests that serve, do once.

func main() {
	setUpGRPC()
	ctx := kong.Parse(&CLI{}, kong.Description("A Crossplane Composition Function that composes golden paths."))
	ctx.FatalIfErrorf(ctx.Run())
}
