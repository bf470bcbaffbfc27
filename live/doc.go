// Package live runs the production engine in real processes over a real
// network against real topic servers, and judges the run with the same
// checker as the simulator (issue 16; docs/LIVE.md).
//
// A live run (Run; `simrun live`) starts one or two topicd processes and
// one client process per account (`simrun client`, RunClient), each
// hosting that account's installations on their own SQLite files. The
// harness drives the scenario's action mix from the seed, sending the
// clients commands over their stdin (protocol.go); between commands each
// client runs the engine's Upkeep on its own. It kills clients and
// servers with SIGKILL at seeded moments and restarts them on the same
// files, and injects network faults through a gRPC interceptor in the
// clients (netfaults.go). Then it heals, runs liveness rounds, and
// checks every property: the checker reads topicd's database (topiclog),
// each client's SQLite file (filestore.go) and the network calls each
// client process recorded before and after making them (calls.go); the
// server's order is checked from the clients' observed histories with
// porcupine (internal/linearize).
//
// Timing is real, so a live run is not reproducible byte for byte: the
// seed fixes the choices (which action, which client, when to kill) but
// not how they interleave with the clients' own upkeep. Its report says
// so.
package live
