// Package nettransport is the engine's Transport over the network: the
// gRPC client of proto/topic/v1, talking to topicd. A live client process
// passes it to engine.Open where the simulator passes memnet.
//
// Each call has its own deadline ([Options.Timeout]) and is made once: the
// transport never retries (the engine's rules decide when to send again).
// Errors fall in three classes:
//   - [ErrNetwork]: the call failed and its outcome is unknown — a
//     deadline that expired, a connection lost after sending, a server
//     unavailable. A publish may have been stored. This is what
//     memnet.ErrNetwork is in a simulated world, and the engine treats it
//     the same way (SPEC §4 rule 6: sync to the head, re-send only if the
//     payload is not there).
//   - [ErrRejected]: the server answered that it will not do it (invalid
//     request, another protocol version). Nothing was stored.
//   - engine.ErrNoKeyPackage from FetchKeyPackage, engine.ErrRevoked from
//     UploadKeyPackages for a revoked installation.
//
// Subscribe opens a server stream (stream.go): a goroutine of the
// stream's own receives into a bounded queue that the engine's Next
// drains without blocking; when the stream breaks, Next says why
// (ErrNetwork) once the queue is empty.
//
// The engine treats every error but the last two as transient. Errors wrap the
// gRPC status too (status.Code works on them).
//
// Connections are plaintext: the live harness runs on loopback.
//
// API: [Dial], [Options], [Client] ([Client.For], [Client.Close],
// [Client.Limits]), [ErrNetwork], [ErrRejected].
package nettransport
