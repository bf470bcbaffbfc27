// Package wire is the format of what clients put on topics (SPEC §2): the
// group-topic envelope, readable without keys, and the welcome envelope.
// Each has one canonical encoding: Decode rejects anything that does not
// re-encode to the same bytes, so a payload's hash identifies it.
//
// The checker reads envelopes through this package and nothing else of the
// engine.
//
// API: [Envelope], [Kind], [Decode], [Envelope.Encode], [Hash], [Welcome],
// [DecodeWelcome], [GroupTopic], [WelcomeTopic].
package wire
