package childproc

import "syscall"

// Attr puts a child in its own process group, so a terminal's ^C
// reaches the harness only, and has the kernel SIGKILL it if the harness
// dies (Pdeathsig), so that a harness killed with SIGKILL or interrupted
// leaves no child running. (Pdeathsig follows the thread that started the
// child; Go ends a thread only when a goroutine locked to it exits, which
// the harness never does.)
func Attr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
