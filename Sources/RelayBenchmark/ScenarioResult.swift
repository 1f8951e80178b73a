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
    /// Wall time CPU figures cover: from the first scheduled send to the end of the drain.
    let cpuSpanSeconds: Double
    /// CPU seconds the server process used over that span.
    let serverCPUSeconds: Double
    /// CPU seconds the driver (the load generator) used over that span.
    let driverCPUSeconds: Double
    /// The whole machine's busy time over that span, in percent of one core
    /// (200 % = both cores of a 2-core machine busy).
    let hostCPUPercent: Double?
    let rssStartBytes: Int
    let rssEndBytes: Int
    /// `VmHWM`: the server's highest resident set over its whole life.
    let rssPeakBytes: Int
    /// The server's resident set once a second from just before the first send to the
    /// end of the drain, in bytes.
    let rssSamples: [Int]
    /// Channel drop-outs clients recovered from by rejoining (RealtimeClient load only).
    let rejoins: Int
    /// Frames clients received that were not load broadcasts.
    let foreignFrames: Int
    /// Client failures (connection errors, refused joins), first few.
    let failures: [String]

    var deliveriesPerSecond: Double { seconds > 0 ? Double(delivered) / seconds : 0 }
    var serverCPUPercent: Double { serverCPUSeconds / cpuSpanSeconds * 100 }
    var driverCPUPercent: Double { driverCPUSeconds / cpuSpanSeconds * 100 }
    /// CPU that other processes on the machine took meanwhile (a busy machine makes
    /// every figure here slower).
    var otherCPUPercent: Double? { hostCPUPercent.map { max(0, $0 - serverCPUPercent - driverCPUPercent) } }
    /// Server CPU microseconds per delivery: its cost, less sensitive than throughput
    /// to what else the machine is doing.
    var serverMicrosPerDelivery: Double? { delivered > 0 ? serverCPUSeconds * 1e6 / Double(delivered) : nil }
    var driverMicrosPerDelivery: Double? { delivered > 0 ? driverCPUSeconds * 1e6 / Double(delivered) : nil }
}
