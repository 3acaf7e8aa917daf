# syntax=docker/dockerfile:1
#
# The function's runtime image, for those who build with Docker:
#   docker buildx build --platform linux/amd64 -t runtime-amd64 --load .
#   crossplane xpkg build --package-root=package --examples-root=example \
#     --embed-runtime-image=runtime-amd64 -o function-golden-path-amd64.xpkg
# Without Docker, `make xpkg` (hack/xpkg.sh) builds the same image: the same static binary at
# /function, user 65532:65532, workdir /, port 9443, entrypoint /function.

ARG GO_VERSION=1.26

# Build on the build host's platform and cross-compile: CGO is off, the binary is static.
FROM --platform=${BUILDPLATFORM} golang:${GO_VERSION} AS build
ARG TARGETOS
ARG TARGETARCH
WORKDIR /fn
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath -ldflags='-s -w' -o /function .

FROM gcr.io/distroless/static-debian12:nonroot AS image
WORKDIR /
COPY --from=build /function /function
EXPOSE 9443
USER 65532:65532
ENTRYPOINT ["/function"]
