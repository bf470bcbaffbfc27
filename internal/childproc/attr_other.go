//go:build !linux

package childproc

import "syscall"

// Attr puts a child in its own process group. (Without Linux's
// Pdeathsig, a harness killed with SIGKILL leaves its topicd running;
// its clients end when their stdin closes.)
func Attr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
