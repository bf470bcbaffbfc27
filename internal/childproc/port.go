package childproc

import (
	"net"
	"syscall"
)

// FreePort is a loopback TCP port free at the time of asking (a child is
// told to listen on it; another process could take it in between, which
// the child then reports as a failure to listen).
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// KillGroup sends SIGKILL to the process group a child leads (Attr puts
// it in its own), so that what it started — a wrapper script's real
// server, say — dies with it. The harness kills only its own child's
// group, by its pid.
func KillGroup(pid int) error { return syscall.Kill(-pid, syscall.SIGKILL) }
