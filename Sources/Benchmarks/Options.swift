import Foundation

/// Command-line options: `[--trace NAME]... [--quick] [--runs N] [--processes N] [--no-pycrdt]
/// [--pycrdt-timeout SECONDS] [--traces DIR]
/// [--profile load|encode|apply [--loops N]]`,
/// plus the internal `--child PATH` used to run one trace per process so that
/// each trace's peak memory is its own.
struct Options {
    var traceFilters: [String] = []
    var quick = false
    /// Repetitions of every timed step; the least CPU time is reported.
    var runs = 3
    /// Processes per trace and side; every time is the least over them (`LeastOfProcesses`).
    var processes = 1
    var pycrdt = true
    /// Seconds one pycrdt baseline may take before it is stopped.
    var pycrdtTimeout = 900.0
    var tracesDirectory: URL
    var child: String?
    /// `--profile STEP`: repeat one step of the first trace (see `Profile`).
    var profile: Profile.Step?
    var loops = 200

    /// The package root, found from this source file so `swift run` works from anywhere.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    init(arguments: [String]) throws {
        tracesDirectory = Options.packageRoot.appendingPathComponent("Fixtures/traces")
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--trace":
                guard let name = rest.popFirst() else { throw BenchmarkError.badArgument("--trace needs a NAME") }
                traceFilters.append(name)
            case "--quick": quick = true
            case "--runs":
                guard let value = rest.popFirst().flatMap(Int.init), value > 0 else {
                    throw BenchmarkError.badArgument("--runs needs a positive number")
                }
                runs = value
            case "--processes":
                guard let value = rest.popFirst().flatMap(Int.init), value > 0 else {
                    throw BenchmarkError.badArgument("--processes needs a positive number")
                }
                processes = value
            case "--no-pycrdt": pycrdt = false
            case "--pycrdt-timeout":
                guard let value = rest.popFirst().flatMap(Double.init), value > 0 else {
                    throw BenchmarkError.badArgument("--pycrdt-timeout needs a number of seconds")
                }
                pycrdtTimeout = value
            case "--traces":
                guard let path = rest.popFirst() else { throw BenchmarkError.badArgument("--traces needs a DIR") }
                tracesDirectory = URL(fileURLWithPath: path)
            case "--child":
                guard let path = rest.popFirst() else { throw BenchmarkError.badArgument("--child needs a PATH") }
                child = path
            case "--profile":
                guard let name = rest.popFirst(), let step = Profile.Step(rawValue: name) else {
                    throw BenchmarkError.badArgument("--profile needs load, encode or apply")
                }
                profile = step
            case "--loops":
                guard let value = rest.popFirst().flatMap(Int.init), value > 0 else {
                    throw BenchmarkError.badArgument("--loops needs a positive number")
                }
                loops = value
            case "-h", "--help":
                throw BenchmarkError.badArgument(
                    "Replays the editing traces with YCRDT beside a plain buffer and pycrdt.")
            default: throw BenchmarkError.badArgument("unknown argument \(argument)")
            }
        }
    }

    /// Every trace (top level, ascii_only/, concurrent/), filtered. `--quick`
    /// keeps the traces under 250 kB compressed (the small half).
    func traces() throws -> [(name: String, url: URL)] {
        let manager = FileManager.default
        var found: [(String, URL)] = []
        for sub in ["", "ascii_only", "concurrent"] {
            let directory = sub.isEmpty ? tracesDirectory : tracesDirectory.appendingPathComponent(sub)
            guard let files = try? manager.contentsOfDirectory(atPath: directory.path) else { continue }
            // Plain `.json` too: a profiler that cannot spawn `gzip` (valgrind) reads those.
            for file in files.sorted() where file.hasSuffix(".json.gz") || file.hasSuffix(".json") {
                let url = directory.appendingPathComponent(file)
                let base = String(file.dropLast(file.hasSuffix(".gz") ? ".json.gz".count : ".json".count))
                let name = sub.isEmpty ? base : "\(sub)/\(base)"
                if quick {
                    let attributes = try? manager.attributesOfItem(atPath: url.path)
                    let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
                    if size >= 250_000 { continue }
                }
                if !traceFilters.isEmpty, !traceFilters.contains(where: { name == $0 || name.contains($0) }) {
                    continue
                }
                found.append((name, url))
            }
        }
        if found.isEmpty {
            throw BenchmarkError.noTraces("nothing matched in \(tracesDirectory.path)")
        }
        return found
    }
}
