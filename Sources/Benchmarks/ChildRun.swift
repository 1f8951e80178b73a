import Foundation

/// Each trace runs in a child process of this executable (`--child PATH`), so
/// that the peak memory reported for it belongs to that trace alone, as the
/// pycrdt figure does. The child prints its figures as one JSON line.
enum ChildRun {
    static func runChild(path: String, runs: Int) -> Int32 {
        var object: [String: Any] = [:]
        do {
            let trace = try Trace.load(URL(fileURLWithPath: path))
            let figures =
                trace.isConcurrent ? try Replay.concurrent(trace, runs: runs) : try Replay.sequential(trace, runs: runs)
            object = [
                "kind": trace.isConcurrent ? "concurrent" : "sequential",
                "patches": figures.patches, "applyMs": figures.applyMs, "events": figures.events,
                "encodeMs": figures.encodeMs, "stateBytes": figures.stateBytes, "loadMs": figures.loadMs,
                "problems": figures.problems, "runs": figures.runs
            ]
            if let floor = figures.floorMs { object["floorMs"] = floor }
            if let floor = figures.deliveryFloorMs { object["deliveryFloorMs"] = floor }
            if let mb = figures.docMB { object["docMB"] = mb }
            if let mb = figures.loadedMB { object["loadedMB"] = mb }
        } catch {
            object = ["problems": [String(describing: error)]]
        }
        object["peakMB"] = Measure.peakMB()
        guard let data = try? JSONSerialization.data(withJSONObject: object) else { return 1 }
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
        return 0
    }

    /// Runs one trace in a child and reads back its figures.
    static func measure(_ url: URL, runs: Int) -> (SwiftFigures, kind: String, peakMB: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["--child", url.path, "--runs", "\(runs)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        var figures = SwiftFigures()
        do {
            try process.run()
        } catch {
            figures.problems.append("cannot start child: \(error)")
            return (figures, "?", 0)
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            figures.problems.append("child crashed (exit \(process.terminationStatus))")
            return (figures, "?", 0)
        }
        func number(_ key: String) -> Double? { (object[key] as? NSNumber)?.doubleValue }
        figures.patches = Int(number("patches") ?? 0)
        figures.applyMs = number("applyMs") ?? 0
        figures.events = Int(number("events") ?? 0)
        figures.floorMs = number("floorMs")
        figures.deliveryFloorMs = number("deliveryFloorMs")
        figures.encodeMs = number("encodeMs") ?? 0
        figures.stateBytes = Int(number("stateBytes") ?? 0)
        figures.loadMs = number("loadMs") ?? 0
        figures.docMB = number("docMB")
        figures.loadedMB = number("loadedMB")
        figures.runs = Int(number("runs") ?? 0)
        figures.problems = object["problems"] as? [String] ?? []
        return (figures, object["kind"] as? String ?? "?", number("peakMB") ?? 0)
    }
}
