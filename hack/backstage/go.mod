// hack/backstage holds no Go code: this file keeps the Go packages that npm may bring into
// node_modules out of the main module's ./... (build, test, generate, lint).
module github.com/open-service-portal/function-golden-path/hack/backstage

go 1.25.11
