/// One line of the result table: a measurement beside its baseline from the same run.
struct Row {
    var name: String
    var measured: Samples
    var baselineName: String
    var baseline: Samples
    /// Whether the 5 ms keystroke goal applies to this line.
    var isInteractive: Bool
}
