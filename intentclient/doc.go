// Package intentclient serves and drives the intent-client protocol
// (proto/intentclient/v1, docs/PROTOCOL.md).
//
// [Server] is the reference implementation: our engine behind the
// protocol, each installation on its own SQLite file, its observation
// records read from that file with the checker's own schema reader
// (checker.StoreObserver) after every call. `simrun client --listen`
// serves it; a live run and the conformance kit drive it.
//
// [Dial] is the driver's side: any client serving the protocol, reached
// over gRPC, its failures read back as the engine's errors ([CallError]
// unwraps to engine.ErrRemoved, memnet.ErrNetwork, …) and its Observe
// stream gathered into a checker.Records.
//
// API: [Server], [NewServer], [Options], [ServerOptions], [Dial],
// [Driver], [Failure], [Reason], [CallError], [ObservationToProto],
// [ObservationFromProto].
package intentclient
