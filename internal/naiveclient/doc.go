// Package naiveclient is a small, deliberately naive client of the
// intent-client protocol (proto/intentclient/v1), written apart from the
// project's engine. It exists for the conformance kit's tests: to show
// that the kit can judge a client that is not ours, and name what it gets
// wrong.
//
// What it shares with the project is what any client must: the wire
// format of SPEC §2 (package wire), the MLS layer with its go-mls defences
// (package mlsadapter — whose API is typed in engine/mls.go's plain data
// types, the only names taken from package engine, see mls.go), and the
// topic server's protocol (proto/topic/v1, called directly). Its intents,
// sync, welcomes, store and observation records are its own.
//
// It hosts any number of installations, each independent (one state file,
// one topic connection, one observation log each). Every call runs under
// one process-wide lock: mlsadapter swaps the process-global crypto/rand
// source around go-mls calls, so they must never overlap.
//
// Naive shortcuts, kept on purpose so the kit has something to find:
//
//  1. No read-back before merging: after the server stores its own commit
//     it merges the staged state at once, marks the intent COMMITTED and
//     sends the welcomes, without waiting to read the commit back from the
//     totally ordered topic. If another member's commit of the same epoch
//     landed first, everyone else follows that one and this client forks
//     (SPEC §4 rules 3 and 6, §8 S1, L4).
//  2. No re-send of the same bytes: on a publish error the intent goes
//     back from PUBLISHED to TO_SEND and the next PublishNext builds a
//     fresh attempt, whether the first one landed or not (rule 6, S9; an
//     ambiguous commit publish forks it as in 1).
//  3. The state is one JSON file written after each call (os.WriteFile,
//     neither atomic nor write-ahead): a crash mid-call loses or tears
//     what the call did, including what it already published (SPEC §3).
//  4. No counter rule and no past-epoch window beyond what mlsadapter
//     does: only messages of the epoch it is at are decrypted, anything
//     that decrypts is stored, and one's own messages are stored when
//     read back whatever the epoch (SPEC §5, L3, S7).
//
// Also left out: the installations' alignment with the directory (only
// the creator's account is completed, by its first commit), permission
// checks of incoming commits (the policy is carried forward unjudged),
// the rule-8 retry budget (a commit that fails to build ends FAILED
// "invalid" at once), and every optional RPC but Restart (UNIMPLEMENTED).
// Open accepts max_past_epochs and ignores it (shortcut 4); it honours
// width_cap and mls_variant.
//
// A failed call answers with a status whose message starts with the
// protocol's reason word, carrying the call's response (its Ack and any
// partial result) as a detail, as package intentclient's driver reads it.
//
// Observation records: the append-only kinds are made in the same step as
// the change they describe and kept in the state file's journal (with
// their per-kind serials), so a new process replays them on Open; the
// state kinds (position, members, policy, intent, welcome) are compared
// with their last shown value after every call and recorded when changed.
//
// API: New, Server (Server.Serve, Server.Stop), Serve.
// cmd/naiveclient is the program (--listen HOST:PORT).
package naiveclient
