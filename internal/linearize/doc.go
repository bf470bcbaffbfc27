// Package linearize checks the topic server's order from outside: it
// records what clients observed of topicd (a publish and the sequence id
// the server assigned, or an unknown outcome; a query and the envelopes and
// head it returned) and checks the history with porcupine against a model
// of a totally ordered append-only log per topic (SPEC §1).
//
// The model, per topic: an append returns the next sequence id (the log's
// length plus one) and the server timestamp it stored; a read after N with
// a limit returns exactly the records after N in order, as many as the
// limit allows (a page is short only when the limit cut it), and the head,
// which is the log's length at the read; records never change or vanish.
// A history is linearizable when every operation can be placed at one
// instant between its call and its return so that this sequential log
// explains every answer. A history that is not is a violation of the
// server's order like any other.
//
// Recording: a [Recorder] per client wraps its gRPC calls
// ([Recorder.DialOptions] for nettransport.Options.DialOptions, or
// [Recorder.Interceptor] and [Recorder.StreamInterceptor]); each envelope
// a Subscribe stream delivers is a [Delivery], checked as a read of that
// one record at the instant it arrived. A publish that failed with anything but
// INVALID_ARGUMENT or FAILED_PRECONDITION (which store nothing) has an
// unknown outcome: porcupine is given it as a call that returns after
// everything else, so it may or may not have taken effect. A failed query
// changed nothing and is left out. Times are the machine's monotonic
// clock (CLOCK_MONOTONIC), so recorders of several processes on one
// machine can be merged ([Merge], [ReadFiles]).
//
// Checking: [Check] partitions the history by topic (porcupine's
// P-compositionality: a history is linearizable iff each topic's is) and
// returns the verdict and an [Info], whose WriteHTML writes porcupine's
// visualization of the history and the linearization it found, or of the
// longest partial ones where it found none.
package linearize
