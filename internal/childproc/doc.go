// Package childproc is what every harness that starts child processes
// (a live run, the conformance kit) needs the same way: the process
// attributes that tie a child's life to its harness's, and a free
// loopback port to hand a child.
//
// API: [Attr], [FreePort], [KillGroup].
package childproc
