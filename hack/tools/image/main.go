// Command image assembles a minimal, non-root OCI runtime image for the function without a
// container engine: one layer holding the static binary, no shell, no package manager and no
// /etc/passwd (the user is numeric, 65532:65532, like distroless "nonroot"). The result is
// written as an image tarball (the `docker save` layout that
// `crossplane xpkg build --embed-runtime-image-tarball` and `docker load` read).
//
// The output is reproducible: file and image timestamps are fixed (SOURCE_DATE_EPOCH, default 0).
//
// usage: image -binary BIN -platform linux/amd64 -tag NAME:TAG -o OUT.tar
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const nonRoot = 65532

func main() {
	var (
		binary     = flag.String("binary", "", "static binary to put into the image (required)")
		platform   = flag.String("platform", "linux/amd64", "image platform, OS/ARCH[/VARIANT]")
		entrypoint = flag.String("entrypoint", "/function", "absolute path of the binary inside the image")
		tag        = flag.String("tag", "function-golden-path-runtime:latest", "image reference recorded in the tarball")
		port       = flag.String("port", "9443/tcp", "exposed port")
		out        = flag.String("o", "", "output tarball (required)")
	)
	flag.Parse()
	if *binary == "" || *out == "" || !path.IsAbs(*entrypoint) {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*binary, *platform, *entrypoint, *tag, *port, *out); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(binary, platform, entrypoint, tag, port, out string) error {
	created, err := sourceDateEpoch()
	if err != nil {
		return err
	}
	plat, err := v1.ParsePlatform(platform)
	if err != nil {
		return fmt.Errorf("platform %q: %w", platform, err)
	}
	bin, err := os.ReadFile(binary) //nolint:gosec // the path is the caller's build output
	if err != nil {
		return err
	}
	layerTar, err := layer(bin, entrypoint, created)
	if err != nil {
		return err
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return err
	}

	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:     l,
		MediaType: types.OCILayer,
		History:   v1.History{Created: v1.Time{Time: created}, CreatedBy: "hack/tools/image: COPY " + path.Base(binary) + " " + entrypoint},
	})
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = plat.OS, plat.Architecture, plat.Variant
	cf.Created = v1.Time{Time: created}
	cf.Config.User = fmt.Sprintf("%d:%d", nonRoot, nonRoot)
	cf.Config.WorkingDir = "/"
	cf.Config.Entrypoint = []string{entrypoint}
	cf.Config.Cmd = nil
	cf.Config.ExposedPorts = map[string]struct{}{port: {}}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return err
	}

	ref, err := name.NewTag(tag, name.WeakValidation)
	if err != nil {
		return fmt.Errorf("tag %q: %w", tag, err)
	}
	tmp := out + ".tmp"
	if err := tarball.WriteToFile(tmp, ref, img); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	d, err := img.Digest()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(os.Stdout, "wrote %s (%s, %s, user %d:%d, entrypoint %s)\n", out, platform, d, nonRoot, nonRoot, entrypoint)
	return err
}

// layer returns an uncompressed tar with the parent directories and the binary (root-owned,
// 0755, so the non-root user can run it but not replace it).
func layer(bin []byte, entrypoint string, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	rel := strings.TrimPrefix(entrypoint, "/")
	dirs := strings.Split(path.Dir(rel), "/")
	for i := range dirs {
		if dirs[i] == "." {
			break
		}
		d := strings.Join(dirs[:i+1], "/") + "/"
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: mtime, Format: tar.FormatPAX}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: rel, Mode: 0o755, Size: int64(len(bin)), ModTime: mtime, Format: tar.FormatPAX}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(bin); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sourceDateEpoch() (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: %w", s, err)
	}
	return time.Unix(n, 0).UTC(), nil
}
