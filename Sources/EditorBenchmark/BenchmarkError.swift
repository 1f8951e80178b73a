/// Why the benchmark could not run or could not trust its own figures.
enum BenchmarkError: Error, CustomStringConvertible {
    /// A command-line argument the benchmark does not understand.
    case badArgument(String)
    /// The Yjs editor and the plain baseline ended with different texts, so they did
    /// not do the same work and their ratio would mean nothing.
    case diverged(scenario: String, crdtLength: Int, plainLength: Int)

    var description: String {
        switch self {
        case let .badArgument(text):
            return "\(text) (see `swift run -c release EditorBenchmark --help`)"
        case let .diverged(scenario, crdtLength, plainLength):
            return "\(scenario): the Yjs document (\(crdtLength) UTF-16 units) and the plain buffer "
                + "(\(plainLength)) no longer hold the same text; the comparison is void"
        }
    }
}
