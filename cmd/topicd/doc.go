// Command topicd serves the topic protocol (proto/topic/v1) over gRPC,
// with the standard gRPC health service, from a SQLite file or a
// PostgreSQL database:
//
//	topicd --listen 127.0.0.1:7070 --db topics.db
//	topicd --listen 127.0.0.1:7071 --db postgres://user@127.0.0.1:5432/mlsim
//
// Logs are JSON lines (log/slog) on stderr; the "serving" line carries
// the address actually bound (useful with port 0). SIGTERM or SIGINT
// stops it gracefully: health turns NOT_SERVING, calls in progress finish
// (within --shutdown-timeout), the storage is closed, and it exits 0.
//
// Exit codes: 0 after a graceful stop; 2 for bad flags or a database it
// cannot open or write (the error is logged); 1 when serving fails.
package main
