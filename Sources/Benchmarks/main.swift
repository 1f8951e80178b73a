import Foundation

// Benchmarks: replays the real-world editing traces in Fixtures/traces with
// YCRDT and prints one table, every figure beside a baseline measured in the
// same run: a plain UTF-16 buffer (the no-CRDT floor) and pycrdt (yrs).
//
//   swift run -c release Benchmarks [--trace NAME]... [--quick] [--runs N] [--processes N] [--no-pycrdt]
//       [--pycrdt-timeout SECONDS]
//   swift run -c release Benchmarks --trace NAME --profile load|encode|apply [--loops N]   (for perf record)

let options: Options
do {
    options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("Benchmarks: \(error)\n".utf8))
    exit(2)
}
if let child = options.child {
    exit(ChildRun.runChild(path: child, runs: options.runs))
}

#if DEBUG
    FileHandle.standardError.write(
        Data("Benchmarks: this is a debug build; run with `swift run -c release Benchmarks`\n".utf8))
#endif

if let step = options.profile {
    do {
        guard let first = try options.traces().first else { exit(2) }
        try Profile.run(step, trace: first.url, loops: options.loops)
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("Benchmarks: \(error)\n".utf8))
        exit(1)
    }
}

do {
    let traces = try options.traces()
    let script = Options.packageRoot.appendingPathComponent("Tests/python/bench_pycrdt.py")
    var table = Table()
    for (name, url) in traces {
        FileHandle.standardError.write(Data("running \(name)…\n".utf8))
        var (swift, kind, peak) = ChildRun.measure(url, runs: options.runs)
        func yrsOnce() -> PycrdtFigures? {
            options.pycrdt
                ? PycrdtFigures.measure(trace: url, script: script, runs: options.runs, timeout: options.pycrdtTimeout)
                : nil
        }
        var yrs = yrsOnce()
        for _ in 1..<options.processes {
            let (again, _, againPeak) = ChildRun.measure(url, runs: options.runs)
            swift.keepLeast(of: again)
            peak = min(peak, againPeak)
            // A baseline that ran out of time would only run out again.
            if var first = yrs, first.error == nil, let next = yrsOnce() {
                first.keepLeast(of: next)
                yrs = first
            }
        }
        table.add(name: name, kind: kind, swift: swift, peakMB: peak, yrs: yrs)
    }
    print(table.render())
    let processesNote =
        options.processes > 1
        ? ", in each of \(options.processes) processes per side taken in turn, the least over them" : ""

    let version = options.pycrdt ? "pycrdt \(table.pycrdtVersion ?? "?") (yrs)" : "pycrdt (skipped)"
    print(
        """

        Times are CPU milliseconds of the measuring thread, the least of \(options.runs) runs (encode and \
        load: of at least \(options.runs), repeated on until \(Int(Measure.budgetMs)) ms, at most \(Measure.maxRepetitions) times, on both \
        sides)\(processesNote); every figure \
        is beside its baseline from this run, and × is Swift ÷ baseline (below 1× Swift is ahead).
        apply: every patch as a local edit, one transaction and one update event each (concurrent: one doc \
        per agent, ancestors' updates applied at merge points, all docs end equal to endContent).
        floor: the same patches on a plain [UInt16] with replaceSubrange, no CRDT.
        floor+updates: the floor plus, after each patch, a new byte array the size of the update YCRDT \
        emitted for it, handed to a handler: what delivering one update per patch costs with no CRDT.
        pycrdt per-call apply: \(version) replaying the same patches with one Python call per edit; it \
        measures pycrdt as Python drives it, Python's per-call cost included (pycrdt cannot replay many \
        edits in one call), not yrs alone.
        encode: the full state as one update (yrs: one get_update call). load: that state applied to a \
        fresh doc (yrs: one apply_update with its transaction). Both run inside yrs, so those are yrs's own times.
        doc MB: heap in use held by the replayed doc(s); loaded MB: heap held by one doc loaded from the \
        state (both malloc's bytes in use: malloc_info / mallinfo2; yrs and Swift use the same malloc). \
        peak MB: maxrss of the process that ran the trace (Swift child / python3).
        """)
    for note in table.notes { print("note: \(note)") }
    exit(table.rows.contains { $0.last != "yes" } ? 1 : 0)
} catch {
    FileHandle.standardError.write(Data("Benchmarks: \(error)\n".utf8))
    exit(1)
}
