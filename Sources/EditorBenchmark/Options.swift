import Foundation

/// The benchmark's settings, from the command line.
struct Options {
    var bytes = 1_000_000
    var keystrokes = 500
    var rounds = 100
    var opens = 7
    var rows = 40
    var columns = 120
    var clock = Stopwatch.Clock.wall
    /// Document sizes (UTF-8 bytes) of the session scenarios; empty skips them.
    var sessionBytes = [1_000_000, 10_000_000]
    /// Stores of the session scenarios: SQLite, and PostgreSQL when `DATABASE_URL` is set.
    var stores: [StoreKind] =
        ProcessInfo.processInfo.environment["DATABASE_URL"].map { $0.isEmpty ? [.sqlite] : [.sqlite, .postgres] }
        ?? [.sqlite]

    static let usage = """
        USAGE: swift run -c release EditorBenchmark [--bytes N] [--keys N] [--rounds N] [--opens N] [--rows N] [--columns N] [--clock wall|cpu]
                                                    [--session-bytes N,N…|none] [--store sqlite|postgres|both]

        Opens a mixed Arabic/English document of N UTF-8 bytes (default 1000000), types
        keys at its end (default 500 per editor), applies remote edits between keys
        (default 100 rounds), all on a headless curses screen of --rows × --columns
        (default 40 × 120), beside a no-CRDT baseline measured in the same run.
        --clock cpu times the editor thread's CPU instead of wall time: on a busy
        machine wall time also counts the waits for a core.

        Then, through a real EditingSession on an embedded relay, for documents of each
        --session-bytes size (default 1000000,10000000) and each store (SQLite; also
        PostgreSQL when DATABASE_URL is set, e.g. under scripts/with-postgres.sh):
        opening to the first screen, keys through the journal, keys while autosaving
        (with the bytes each save wrote). Wall clock.
        Build in release: debug figures are meaningless.
        """

    /// - Throws: `BenchmarkError.badArgument` for an unknown flag or a value that is
    ///   not a positive integer in range.
    init(arguments: [String]) throws {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            if flag == "--session-bytes" {
                guard let list = rest.popFirst() else {
                    throw BenchmarkError.badArgument("--session-bytes needs sizes")
                }
                sessionBytes =
                    list == "none"
                    ? []
                    : try list.split(separator: ",").map {
                        guard let size = Int($0), (1_000...100_000_000).contains(size) else {
                            throw BenchmarkError.badArgument("--session-bytes takes sizes in 1000...100000000, or none")
                        }
                        return size
                    }
                continue
            }
            if flag == "--store" {
                switch rest.popFirst() {
                case "sqlite": stores = [.sqlite]
                case "postgres": stores = [.postgres]
                case "both": stores = [.sqlite, .postgres]
                default: throw BenchmarkError.badArgument("--store needs sqlite, postgres or both")
                }
                continue
            }
            if flag == "--clock" {
                guard let name = rest.popFirst(), let clock = Stopwatch.Clock(rawValue: name) else {
                    throw BenchmarkError.badArgument("--clock needs wall or cpu")
                }
                self.clock = clock
                continue
            }
            let limits: ClosedRange<Int>
            switch flag {
            case "--bytes": limits = 1_000...100_000_000
            case "--keys": limits = 1...100_000
            case "--rounds": limits = 1...10_000
            case "--opens": limits = 1...1_000
            case "--rows": limits = 5...500
            case "--columns": limits = 60...1_000
            default: throw BenchmarkError.badArgument("unknown argument \(flag)")
            }
            guard let text = rest.popFirst(), let value = Int(text), limits.contains(value) else {
                throw BenchmarkError.badArgument(
                    "\(flag) needs an integer in \(limits.lowerBound)...\(limits.upperBound)")
            }
            switch flag {
            case "--bytes": bytes = value
            case "--keys": keystrokes = value
            case "--rounds": rounds = value
            case "--opens": opens = value
            case "--rows": rows = value
            default: columns = value
            }
        }
    }
}
