/// The benchmark's settings, from the command line.
struct Options {
    var bytes = 1_000_000
    var keystrokes = 500
    var rounds = 100
    var opens = 7
    var rows = 40
    var columns = 120
    var clock = Stopwatch.Clock.wall

    static let usage = """
        USAGE: swift run -c release EditorBenchmark [--bytes N] [--keys N] [--rounds N] [--opens N] [--rows N] [--columns N] [--clock wall|cpu]

        Opens a mixed Arabic/English document of N UTF-8 bytes (default 1000000), types
        keys at its end (default 500 per editor), applies remote edits between keys
        (default 100 rounds), all on a headless curses screen of --rows × --columns
        (default 40 × 120), beside a no-CRDT baseline measured in the same run.
        --clock cpu times the editor thread's CPU instead of wall time: on a busy
        machine wall time also counts the waits for a core.
        Build in release: debug figures are meaningless.
        """

    /// - Throws: `BenchmarkError.badArgument` for an unknown flag or a value that is
    ///   not a positive integer in range.
    init(arguments: [String]) throws {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
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
