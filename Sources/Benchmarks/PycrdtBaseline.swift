import Foundation

/// The same replay done by pycrdt (yrs) in a child `python3` running
/// Tests/python/bench_pycrdt.py, which prints one JSON object of figures (CPU times, the
/// least of `runs`, encode and load repeated as `Measure.keepRepeating` says; heap in use from `mallinfo2`).
struct PycrdtFigures {
    /// One pycrdt call per edit: Python's per-call overhead included (pycrdt has no call
    /// that replays many edits inside yrs).
    var applyMs: Double?
    /// One `get_update` call: inside yrs.
    var encodeMs: Double?
    var stateBytes: Int?
    /// One `apply_update` of the full state into a fresh doc (with its transaction): inside yrs.
    var loadMs: Double?
    var docMB: Double?
    var loadedMB: Double?
    var peakMB: Double?
    var ok = false
    var error: String?
    var version: String?

    /// Runs the baseline; a run longer than `timeout` seconds is stopped and reported.
    static func measure(trace: URL, script: URL, runs: Int, timeout: Double) -> PycrdtFigures {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, trace.path, "--runs", "\(runs)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        var figures = PycrdtFigures()
        do {
            try process.run()
        } catch {
            figures.error = "cannot run python3: \(error)"
            return figures
        }
        // yrs locates UTF-8 offsets by walking blocks, so very long traces can
        // take many minutes; a watchdog keeps the whole table bounded.
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        if process.terminationReason == .uncaughtSignal {
            figures.error = "stopped after \(Int(timeout)) s (--pycrdt-timeout)"
            return figures
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            figures.error = "bench_pycrdt.py printed no JSON (exit \(process.terminationStatus))"
            return figures
        }
        figures.applyMs = (object["apply_ms"] as? NSNumber)?.doubleValue
        figures.encodeMs = (object["encode_ms"] as? NSNumber)?.doubleValue
        figures.stateBytes = (object["bytes"] as? NSNumber)?.intValue
        figures.loadMs = (object["load_ms"] as? NSNumber)?.doubleValue
        figures.docMB = (object["doc_mb"] as? NSNumber)?.doubleValue
        figures.loadedMB = (object["loaded_mb"] as? NSNumber)?.doubleValue
        figures.peakMB = (object["maxrss_mb"] as? NSNumber)?.doubleValue
        figures.ok = object["ok"] as? Bool ?? false
        figures.error = object["error"] as? String
        figures.version = object["pycrdt"] as? String
        return figures
    }
}
