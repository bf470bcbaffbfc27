package live

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/mlsim/mlsim/intentclient"
	"github.com/mlsim/mlsim/internal/childproc"
	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
)

// Exec says how the harness starts its child processes: Path with Args
// first, then the role ("client" or "topicd") and its flags. simrun runs
// itself (`simrun client`, `simrun topicd`); a test binary runs itself
// with an environment variable its TestMain looks for (ChildMain).
type Exec struct {
	Path string
	Args []string
	Env  []string // added to the harness's environment
}

// child is one running child process.
type child struct {
	name    string
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	replies chan Reply    // client processes: each line of stdout
	done    chan struct{} // closed once it exited and its stdout was read
	logPath string        // its stderr
	killed  bool          // the harness killed it
	exit    error         // how it exited, once done is closed
	// A client process's protocol connection, from its Ready line on.
	driver  *intentclient.Driver
	rpc     pb.IntentClientServiceClient
	options *pb.ClientOptions // of the installations it opens
}

// startChild starts role with flags; stderr goes to logPath. For a
// client, stdin takes Commands and stdout's lines become replies.
func startChild(x Exec, name, role string, flags []string, logPath string) (*child, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer log.Close() // the child holds its own descriptor
	cmd := exec.Command(x.Path, append(append(append([]string(nil), x.Args...), role), flags...)...)
	cmd.Env = append(os.Environ(), x.Env...)
	cmd.Stderr = log
	cmd.SysProcAttr = childproc.Attr()
	c := &child{name: name, cmd: cmd, replies: make(chan Reply, 16), done: make(chan struct{}), logPath: logPath}
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64*1024), 4<<20)
		for sc.Scan() {
			var r Reply
			if json.Unmarshal(sc.Bytes(), &r) != nil {
				r = Reply{Err: "unreadable reply: " + clipString(sc.Text())}
			}
			c.replies <- r
		}
		close(c.replies)
		c.exit = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// errChildGone is a command to a child that exited (or was killed).
var errChildGone = errors.New("process gone")

// call carries one command out, at most timeout: a client's operation
// through the protocol, a control on stdin.
func (c *child) call(cmd Command, timeout time.Duration) (Reply, error) {
	if !isControl(cmd.Op) {
		return c.protocol(cmd, timeout)
	}
	b, _ := json.Marshal(cmd)
	if _, err := c.stdin.Write(append(b, '\n')); err != nil {
		return Reply{}, errChildGone
	}
	return c.reply(timeout)
}

func (c *child) reply(timeout time.Duration) (Reply, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r, ok := <-c.replies:
		if !ok {
			return Reply{}, errChildGone
		}
		return r, nil
	case <-t.C:
		return Reply{}, fmt.Errorf("%s did not answer within %s", c.name, timeout)
	}
}

// kill sends SIGKILL to the child, by its pid, and waits for it.
func (c *child) kill() {
	c.killed = true
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
	c.closeProtocol()
}

func (c *child) closeProtocol() {
	if c.driver != nil {
		_ = c.driver.Close()
		c.driver, c.rpc = nil, nil
	}
}

// alive reports whether the child still runs.
func (c *child) alive() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// stop ends a child gracefully: a client's stdin is closed, a server gets
// SIGTERM; after grace it is killed.
func (c *child) stop(term bool, grace time.Duration) error {
	if !c.alive() {
		return c.exit
	}
	c.closeProtocol()
	if term {
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
	} else {
		_ = c.stdin.Close()
	}
	select {
	case <-c.done:
		return c.exit
	case <-time.After(grace):
		c.kill()
		return fmt.Errorf("%s did not stop within %s; killed", c.name, grace)
	}
}

// stderrTail is the end of the child's stderr log.
func (c *child) stderrTail() string {
	b, err := os.ReadFile(c.logPath)
	if err != nil {
		return ""
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return s
}
