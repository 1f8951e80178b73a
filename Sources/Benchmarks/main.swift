import Foundation

// Benchmarks: replays the real-world editing traces in Fixtures/traces with
// YCRDT and prints one table, every figure beside a baseline measured in the
// same run: a plain UTF-16 buffer (the no-CRDT floor) and pycrdt (yrs).
//
//   swift run -c release Benchmarks [--trace NAME]... [--quick] [--no-pycrdt] [--pycrdt-timeout SECONDS]

let options: Options
do {
    options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("Benchmarks: \(error)\n".utf8))
    exit(2)
}
if let child = options.child {
    exit(ChildRun.runChild(path: child))
}

#if DEBUG
    FileHandle.standardError.write(
        Data("Benchmarks: this is a debug build; run with `swift run -c release Benchmarks`\n".utf8))
#endif

do {
    let traces = try options.traces()
    let script = Options.packageRoot.appendingPathComponent("Tests/python/bench_pycrdt.py")
    var table = Table()
    for (name, url) in traces {
        FileHandle.standardError.write(Data("running \(name)…\n".utf8))
        let (swift, kind, peak) = ChildRun.measure(url)
        let yrs =
            options.pycrdt ? PycrdtFigures.measure(trace: url, script: script, timeout: options.pycrdtTimeout) : nil
        table.add(name: name, kind: kind, swift: swift, peakMB: peak, yrs: yrs)
    }
    print(table.render())
    print(
        """

        apply: every patch as a local edit, one transaction and one update event each (concurrent: \
        one doc per agent, ancestors' updates applied at merge points, all docs end equal to endContent).
        floor: the same patches on a plain [UInt16] with replaceSubrange. yrs: pycrdt \(options.pycrdt ? table.pycrdtVersion ?? "?" : "(skipped)") \
        replaying the same trace in the same run. doc MB: resident memory added by the replay; peak MB: maxrss of the \
        process that ran the trace (Swift child / python3). ×floor and ×yrs: Swift time divided by the baseline's.
        """)
    for note in table.notes { print("note: \(note)") }
    exit(table.rows.contains { $0.last != "yes" } ? 1 : 0)
} catch {
    FileHandle.standardError.write(Data("Benchmarks: \(error)\n".utf8))
    exit(1)
}
