package topictest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresEnv names a PostgreSQL server the tests may use instead of a
// cluster of their own (each test gets a database of its own on it).
const PostgresEnv = "MLSIM_POSTGRES_URL"

// Postgres returns the URL of an empty PostgreSQL database for this test,
// dropped (or its cluster stopped) when the test ends. It uses
// MLSIM_POSTGRES_URL when set; otherwise it starts a throwaway cluster
// (initdb and pg_ctl from /usr/lib/postgresql/*/bin) under the test's
// temporary directory on a free loopback port. Where neither works the
// test is skipped, saying why.
func Postgres(t testing.TB) string {
	t.Helper()
	if base := os.Getenv(PostgresEnv); base != "" {
		return freshDatabase(t, base)
	}
	bin, why := postgresBin()
	if bin == "" {
		t.Skipf("no PostgreSQL for this test: %s (set %s, or apt-get install -y postgresql)", why, PostgresEnv)
	}
	return startCluster(t, bin)
}

// postgresBin is the newest /usr/lib/postgresql/*/bin holding initdb.
func postgresBin() (string, string) {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(found) == 0 {
		return "", "no initdb under /usr/lib/postgresql/*/bin"
	}
	sort.Slice(found, func(i, j int) bool { return version(found[i]) < version(found[j]) })
	return filepath.Dir(found[len(found)-1]), ""
}

func version(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

// startCluster runs initdb and pg_ctl as an unprivileged user (PostgreSQL
// refuses to run as root; the Debian package's "postgres" user is used
// then) and stops the cluster at cleanup.
func startCluster(t testing.TB, bin string) string {
	t.Helper()
	cred, why := runAs()
	if why != "" {
		t.Skipf("cannot start a PostgreSQL cluster: %s (set %s)", why, PostgresEnv)
	}
	dir := t.TempDir()
	// The cluster's user must reach the directory: open the test's
	// temporary directory (and its parent, which Go made private).
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatalf("chmod %s: %v", d, err)
		}
	}
	data, sock := filepath.Join(dir, "data"), filepath.Join(dir, "sock")
	for _, d := range []string{data, sock} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if cred != nil {
			if err := os.Chown(d, int(cred.Uid), int(cred.Gid)); err != nil {
				t.Fatal(err)
			}
		}
	}
	logFile := filepath.Join(sock, "server.log")
	run := func(name string, args ...string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, filepath.Join(bin, name), args...)
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		cmd.Dir = dir
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			log, _ := os.ReadFile(logFile)
			return fmt.Errorf("%s: %w\n%s\n%s", name, err, out, log)
		}
		return nil
	}
	if err := run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"); err != nil {
		t.Skipf("cannot start a PostgreSQL cluster: %v", err)
	}
	// A free port can be taken between the probe and the start: try a few.
	var port int
	var err error
	for range 3 {
		port = freePort(t)
		opts := fmt.Sprintf("-p %d -k %s -h 127.0.0.1 -c fsync=off -c max_connections=50", port, sock)
		if err = run("pg_ctl", "-D", data, "-l", logFile, "-o", opts, "-w", "-t", "30", "start"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("pg_ctl start: %v", err)
	}
	t.Cleanup(func() {
		if err := run("pg_ctl", "-D", data, "-m", "fast", "-w", "-t", "30", "stop"); err != nil {
			t.Errorf("pg_ctl stop: %v", err)
		}
	})
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
}

// runAs is the credential to run PostgreSQL's programs with: none when
// not root, the "postgres" user's when root.
func runAs() (*syscall.Credential, string) {
	if os.Geteuid() != 0 {
		return nil, ""
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, "running as root and there is no postgres user to run the cluster as"
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, ""
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

var databases atomic.Uint64

// freshDatabase creates a database for this test on the server base names
// and drops it at cleanup.
func freshDatabase(t testing.TB, base string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Skipf("%s=%s: cannot connect: %v", PostgresEnv, base, err)
	}
	defer conn.Close(context.Background())
	name := fmt.Sprintf("mlsim_%s_%d_%d", strings.ToLower(nonWord.ReplaceAllString(t.Name(), "_")), os.Getpid(), databases.Add(1))
	if len(name) > 60 {
		name = name[len(name)-60:]
	}
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, "DROP DATABASE "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

var nonWord = regexp.MustCompile(`\W+`)
