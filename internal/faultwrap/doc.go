// Package faultwrap is the crash and transient-failure injection around
// an engine's store and transport: a Fuse that blows at an armed boundary
// (before or after a store transaction or a network call) with a Crash
// panic, a store whose next transactions do their work and then fail to
// commit (ErrStoreBusy), and a Byzantine member's withheld welcomes. The
// simulator wraps every client with it; a client process serving the
// protocol's fault hooks (package intentclient) wraps its installations
// the same way, so a script arms the same faults in either.
//
// API: [Fuse], [Store], [Transport], [Crash], [ErrCrashed], [ErrStoreBusy].
package faultwrap
