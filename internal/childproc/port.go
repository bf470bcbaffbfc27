package childproc

import "net"

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
