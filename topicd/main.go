package topicd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os/signal"
	"syscall"
	"time"
)

// Exit codes.
const (
	exitOK      = 0
	exitServe   = 1
	exitSetup   = 2
	openTimeout = 30 * time.Second
)

// Main is the topicd command (cmd/topicd; `simrun topicd`, which live
// runs start as their server): it parses args, serves until SIGTERM or
// SIGINT, and returns the exit code (0 after a graceful stop, 1 when
// serving fails, 2 for bad flags or a database it cannot open or write).
func Main(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("topicd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:7070", "address to serve on (host:port; port 0 picks one)")
	db := fs.String("db", "", "SQLite file path, or postgres:// URL (required)")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	grace := fs.Duration("shutdown-timeout", 10*time.Second, "how long calls in progress may finish after SIGTERM")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK // --help: the usage was printed
		}
		return exitSetup
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(stderr, "topicd: --log-level: %v\n", err)
		return exitSetup
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: lv}))
	if *db == "" || fs.NArg() > 0 {
		log.Error("usage: topicd --listen HOST:PORT --db PATH|postgres://…", "extra", fs.Args())
		return exitSetup
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	openCtx, cancel := context.WithTimeout(ctx, openTimeout)
	store, err := OpenStorage(openCtx, *db)
	cancel()
	if err != nil {
		log.Error("cannot open the database", "db", redact(*db), "err", err)
		return exitSetup
	}
	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		_ = store.Close()
		log.Error("cannot listen", "listen", *listen, "err", err)
		return exitSetup
	}
	srv, err := New(Config{Storage: store, Logger: log})
	if err != nil {
		_ = store.Close()
		log.Error("cannot start", "err", err)
		return exitSetup
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()

	code := exitOK
	select {
	case <-ctx.Done():
		log.Info("signal received; stopping")
	case err := <-served:
		log.Error("serving failed", "err", err)
		code = exitServe
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("closing the database", "err", err)
		code = exitServe
	}
	return code
}
