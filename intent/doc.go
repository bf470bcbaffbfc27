// Package intent defines intents — durable records of what a user wants
// done to a group — and the one state machine they move through (SPEC §4):
//
//	TO_SEND ──► PUBLISHED ──► COMMITTED
//	   ▲  │         │
//	   └──┼─────────┘ (rejected, or can no longer be accepted)
//	      ├──► COMMITTED (NOOP)     PUBLISHED ──► FAILED (removed)
//	      └──► FAILED
//
// It is pure: no store, no network. The engine persists intents; the
// checker uses [Legal] to prove S4.
//
// API: [Kind], [State], [Reason], [Legal], [Intent].
package intent
