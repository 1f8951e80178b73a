/// The figures of one server under one topology.
struct ScenarioResult {
    let topology: Topology
    let server: BenchmarkOptions.Role
    let sent: Int
    let expected: Int
    let delivered: Int
    let outOfOrder: Int
    /// From the first scheduled send to the last delivery.
    let seconds: Double
    let latency: LatencyHistogram
    /// Server CPU over the same span, in percent of one core.
    let serverCPUPercent: Double
    /// Driver (load generator) CPU, in percent of one core.
    let driverCPUPercent: Double
    /// The whole machine, in percent of one core (200 % = both cores busy).
    let hostCPUPercent: Double?
    let rssStartBytes: Int
    let rssEndBytes: Int
    /// `VmHWM`: the server's highest resident set over its whole life.
    let rssPeakBytes: Int
    /// Client failures (connection errors, refused joins), first few.
    let failures: [String]

    var deliveriesPerSecond: Double { seconds > 0 ? Double(delivered) / seconds : 0 }
}
