/// A simulated user's connection to the server under test.
protocol LoadClient: Sendable {
    /// Connects, joins, sends per `plan` and returns once `plan.stop` opened and the
    /// connection is closed. Failures are recorded in `tally`, never thrown.
    func run(_ plan: ClientPlan, tally: ClientTally) async
}
