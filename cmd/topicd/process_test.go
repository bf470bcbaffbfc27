package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
)

// The tests here run the built topicd as a child process: they build it
// once (TestMain), start it on 127.0.0.1 port 0, read the address it
// bound from its "serving" log line, and signal it by its pid. Every
// process still running when its test ends is killed and waited for.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "topicd-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "topicd")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	code := 1
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running topicd.
type proc struct {
	cmd    *exec.Cmd
	addr   string
	done   chan struct{} // closed when the process has exited and its log is read
	mu     sync.Mutex
	log    strings.Builder
	exited error
}

// start runs topicd with args (plus --listen 127.0.0.1:0) and waits until
// it serves.
func start(t *testing.T, args ...string) *proc {
	t.Helper()
	p := launch(t, append([]string{"--listen", "127.0.0.1:0"}, args...)...)
	deadline := time.After(30 * time.Second)
	for p.addr == "" {
		select {
		case <-p.done:
			t.Fatalf("topicd exited before serving: %v\n%s", p.exited, p.logText())
		case <-deadline:
			t.Fatalf("topicd did not serve within 30 s:\n%s", p.logText())
		case <-time.After(20 * time.Millisecond):
			p.mu.Lock()
			p.addr = servingAddr(p.log.String())
			p.mu.Unlock()
		}
	}
	return p
}

// launch starts topicd and collects its log; the test's cleanup kills it
// if it still runs.
func launch(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binary, args...), done: make(chan struct{})}
	stderr, err := p.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, stderr)
		p.exited = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func servingAddr(log string) string {
	for _, line := range strings.Split(log, "\n") {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "serving" {
			return rec.Addr
		}
	}
	return ""
}

func (p *proc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// signal sends sig to the process and waits (up to 30 s) for it to exit;
// it returns the exit code (-1 when killed by a signal).
func (p *proc) signal(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(sig))
	return p.wait(t)
}

func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("topicd did not exit within 30 s:\n%s", p.logText())
	}
	return p.cmd.ProcessState.ExitCode()
}

// client is a TopicService client of this protocol version.
func client(t *testing.T, addr string) topicv1.TopicServiceClient {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return topicv1.NewTopicServiceClient(conn)
}

// call is a context for one call: this protocol version, a deadline.
func call(t *testing.T) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	return topicv1.WithVersion(ctx, topicv1.Current), cancel
}
