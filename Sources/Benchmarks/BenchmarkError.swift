/// Why the benchmark could not run or a replay went wrong.
enum BenchmarkError: Error, CustomStringConvertible {
    case unreadableTrace(String, String)
    case noTraces(String)
    case badArgument(String)
    case unsupported(String)

    var description: String {
        switch self {
        case let .unreadableTrace(path, why): return "cannot read trace \(path): \(why)"
        case let .noTraces(detail): return "no traces to run: \(detail)"
        case let .badArgument(detail):
            return
                "\(detail)\nusage: swift run -c release Benchmarks [--trace NAME]... [--quick] [--runs N] [--no-pycrdt] [--pycrdt-timeout SECONDS] [--traces DIR] [--profile load|encode|apply [--loops N]]"
        case let .unsupported(detail): return detail
        }
    }
}
