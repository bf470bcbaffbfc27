// Package results is what a run or a sweep found, as data: the summaries
// simrun prints and writes ([RunSummary], [SweepSummary]), the one
// [Violation] type every layer passes along, the world a run ran in
// ([Params]) and the list of engine call sites its fault counts are keyed
// by ([FaultSites]).
//
// It imports only the standard library, trace and checker (which imports
// only wire), so that what reads or renders results — reports, a tool
// reading summary.json — needs none of the code that produced them: not
// the simulator, the engine, the store or go-mls. runner builds these
// from a simulator run; sim produces the violations and counts the fault
// sites.
//
// API: [RunSummary], [SweepSummary], [Fold], [Violation], [NewViolation],
// [IntentCounts], [Params], [ParamsFromName], [CommandLine], [FaultSites],
// [FaultSitePairs], [UnreachedFaultSites].
package results
