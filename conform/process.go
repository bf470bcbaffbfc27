package conform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mlsim/mlsim/intentclient"
	"github.com/mlsim/mlsim/internal/childproc"
)

// Client is how to start the client under test: a command that serves the
// intent-client protocol on the address given with --listen, which the
// kit appends (`simrun client` is ours).
type Client struct {
	Argv []string
	// CallTimeout bounds each call (intentclient.DefaultCallTimeout if
	// zero); StartTimeout the wait for the client to answer Hello.
	CallTimeout, StartTimeout time.Duration
}

// ParseClient reads --client's value: the command and its arguments,
// separated by spaces (no quoting).
func ParseClient(cmdline string) (Client, error) {
	argv := strings.Fields(cmdline)
	if len(argv) == 0 {
		return Client{}, errors.New("--client: want the command that starts the client under test")
	}
	return Client{Argv: argv}, nil
}

// process is one running client under test, connected.
type process struct {
	cmd    *exec.Cmd
	addr   string
	driver *intentclient.Driver
	logs   string // its stdout and stderr, in one file
	done   chan error
}

// start starts the client with its logs in dir and says Hello.
func (c Client) start(dir string) (*process, error) {
	port, err := childproc.FreePort()
	if err != nil {
		return nil, err
	}
	p := &process{addr: "127.0.0.1:" + strconv.Itoa(port), logs: filepath.Join(dir, "client.log"), done: make(chan error, 1)}
	logs, err := os.Create(p.logs)
	if err != nil {
		return nil, err
	}
	defer logs.Close()
	args := append(append([]string(nil), c.Argv[1:]...), "--listen", p.addr)
	p.cmd = exec.Command(c.Argv[0], args...)
	p.cmd.Stdout, p.cmd.Stderr = logs, logs
	p.cmd.SysProcAttr = childproc.Attr()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the client %q: %w", strings.Join(c.Argv, " "), err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	wait := c.StartTimeout
	if wait <= 0 {
		wait = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	dialed := make(chan error, 1)
	go func() {
		var err error
		p.driver, err = intentclient.Dial(ctx, p.addr, c.CallTimeout)
		dialed <- err
	}()
	select {
	case err = <-dialed:
	case werr := <-p.done:
		cancel()
		<-dialed
		how := "exit status 0"
		if werr != nil {
			how = werr.Error()
		}
		err = fmt.Errorf("the client exited before answering (%s); its output: %s", how, tail(p.logs))
		p.done <- werr
	}
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("the client %q on %s: %w", strings.Join(c.Argv, " "), p.addr, err)
	}
	return p, nil
}

// stop kills the client and whatever it started (its process group, by
// its pid, SIGKILL: its durable state is its own business) and waits for
// it.
func (p *process) stop() {
	if p.driver != nil {
		_ = p.driver.Close()
	}
	if childproc.KillGroup(p.cmd.Process.Pid) != nil {
		_ = p.cmd.Process.Kill()
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
}

// tail is the end of a log file, for an error message.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// unjudgeable says why a run against this client cannot be judged: it
// ended before the kit stopped it (it crashed or quit in the middle of a
// script or seed), or a call got no answer in time (it may still be
// running it, so what followed was not the world's order of calls).
func (p *process) unjudgeable() (string, bool) {
	if why, gone := p.exited(); gone {
		return why, true
	}
	if n := p.driver.Hung(); n > 0 {
		return fmt.Sprintf("%d call(s) got no answer within the deadline; its output: %s", n, tail(p.logs)), true
	}
	return "", false
}

// exited reports whether the client ended before the kit stopped it, and
// how.
func (p *process) exited() (string, bool) {
	select {
	case err := <-p.done:
		p.done <- err // stop waits for it too
		how := "exit status 0"
		if err != nil {
			how = err.Error()
		}
		return fmt.Sprintf("the client exited during the run (%s); its output: %s", how, tail(p.logs)), true
	default:
		return "", false
	}
}
