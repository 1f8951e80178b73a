/// Why a benchmark run could not produce its figures.
enum BenchmarkError: Error, CustomStringConvertible {
    /// A command-line argument the benchmark does not understand.
    case usage(String)
    /// `--help`: not a failure; the caller prints the usage and exits 0.
    case helpRequested
    /// The server child process could not be started or did not report its port.
    case serverStart(String)
    /// Clients did not connect and join within the allowed time.
    case clientsNotReady(ready: Int, expected: Int, seconds: Int)
    /// A client failed before the load started (connection refused, join refused).
    case clientFailed(String)
    /// Reading `/proc` failed (not Linux, or the process is gone).
    case procUnavailable(String)

    var description: String {
        switch self {
        case let .usage(message):
            return "\(message)\n\n\(BenchmarkOptions.usage)"
        case .helpRequested:
            return BenchmarkOptions.usage
        case let .serverStart(message):
            return "could not start the server process: \(message)"
        case let .clientsNotReady(ready, expected, seconds):
            return "only \(ready) of \(expected) clients connected and joined within \(seconds) s; "
                + "is the machine overloaded, or is the relay refusing joins (its limits)?"
        case let .clientFailed(message):
            return "a client could not connect and join: \(message)"
        case let .procUnavailable(message):
            return "cannot read process statistics from /proc (Linux only): \(message)"
        }
    }
}
