package servers

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// resp is a minimal client of the Redis serialization protocol (RESP2), enough to send
// commands and read their replies: simple strings, errors, integers, bulk strings, arrays.
type resp struct {
	conn net.Conn
	r    *bufio.Reader
}

// respError is an error reply, e.g. NOAUTH Authentication required.
type respError string

func (e respError) Error() string { return string(e) }

// answers tells whether something listens on addr.
func answers(t *testing.T, addr string) error {
	t.Helper()
	conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(t.Context(), "tcp", addr)
	if err != nil {
		return err
	}
	return conn.Close()
}

func dial(t *testing.T, port int) *resp {
	t.Helper()
	return dialAt(t, "127.0.0.1", port)
}

func dialAt(t *testing.T, ip string, port int) *resp {
	t.Helper()
	conn, err := (&net.Dialer{Timeout: 2 * time.Second}).DialContext(t.Context(), "tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &resp{conn: conn, r: bufio.NewReader(conn)}
}

// do sends a command and reads its reply: a string, int64, nil, []any or a respError.
func (c *resp) do(args ...string) (any, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if err := c.conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return nil, err
	}
	if _, err := c.conn.Write([]byte(b.String())); err != nil {
		return nil, err
	}
	return c.read()
}

func (c *resp) read() (any, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty reply line")
	}
	switch body := line[1:]; line[0] {
	case '+':
		return body, nil
	case '-':
		return nil, respError(body)
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err // $-1 is a nil bulk string.
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err // *-1 is a nil array.
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = c.read(); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown reply %q", line)
}

// str is a command's reply as a string; it fails the test on an error reply.
func (c *resp) str(t *testing.T, args ...string) string {
	t.Helper()
	v, err := c.do(args...)
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(args[:1], " "), err)
	}
	switch s := v.(type) {
	case string:
		return s
	case int64:
		return strconv.FormatInt(s, 10)
	case nil:
		return ""
	}
	t.Fatalf("%s: want a string, got %v", args[0], v)
	return ""
}

// list is a command's reply as a list of strings.
func (c *resp) list(t *testing.T, args ...string) []string {
	t.Helper()
	v, err := c.do(args...)
	if err != nil {
		t.Fatalf("%s: %v", args[0], err)
	}
	items, _ := v.([]any)
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = fmt.Sprint(it)
	}
	return out
}
