import Foundation

/// The one table the benchmark prints: each relay row beside the bare fan-out row of
/// the same topology, measured in the same run.
struct ResultTable {
    static let headers = [
        "topology", "server", "delivered", "÷expected", "deliveries/s", "÷bare", "p50 ms", "p99 ms", "max ms",
        "p99 ÷bare", "server CPU %", "server µs/deliv.", "÷bare", "server RSS start/end/peak MB",
        "driver CPU %", "driver µs/deliv.", "others CPU %", "goal"
    ]
    /// The goal for the relay: p99 delivery latency under this.
    static let p99GoalMs = 50.0

    var rows: [[String]] = []
    var notes: [String] = []

    mutating func add(_ result: ScenarioResult, baseline: ScenarioResult?) {
        let p50 = result.latency.percentile(0.50).map(Self.milliseconds)
        let p99 = result.latency.percentile(0.99).map(Self.milliseconds)
        let basePeak = baseline.flatMap { $0.latency.percentile(0.99) }.map(Self.milliseconds)
        let complete = result.delivered == result.expected && result.expected > 0
        let goal = complete && (p99 ?? .infinity) < Self.p99GoalMs && result.failures.isEmpty
        rows.append([
            result.topology.label, result.server.rawValue,
            "\(result.delivered)", Self.ratio(Double(result.delivered), Double(result.expected), digits: 4),
            Self.count(result.deliveriesPerSecond),
            baseline.map { Self.ratio(result.deliveriesPerSecond, $0.deliveriesPerSecond, digits: 2) } ?? "–",
            p50.map(Self.fixed) ?? "–", p99.map(Self.fixed) ?? "–",
            Self.fixed(Self.milliseconds(result.latency.maxMicroseconds)),
            p99.flatMap { value in basePeak.map { Self.ratio(value, $0, digits: 2) } } ?? "–",
            String(format: "%.0f", result.serverCPUPercent),
            result.serverMicrosPerDelivery.map(Self.fixed) ?? "–",
            result.serverMicrosPerDelivery.flatMap { cost in
                baseline?.serverMicrosPerDelivery.map { Self.ratio(cost, $0, digits: 1) }
            } ?? "–",
            "\(Self.megabytes(result.rssStartBytes)) / \(Self.megabytes(result.rssEndBytes)) / \(Self.megabytes(result.rssPeakBytes))",
            String(format: "%.0f", result.driverCPUPercent),
            result.driverMicrosPerDelivery.map(Self.fixed) ?? "–",
            result.otherCPUPercent.map { String(format: "%.0f", $0) } ?? "–",
            goal ? "met" : "MISSED"
        ])
        let name = "\(result.server.rawValue), \(result.topology.label)"
        if result.outOfOrder > 0 {
            notes.append("\(name): \(result.outOfOrder) deliveries out of order or after a gap")
        }
        if let cost = result.serverMicrosPerDelivery, cost > 0 {
            notes.append("\(name): the server delivers \(Self.count(1e6 / cost)) messages per CPU-second")
        }
        if result.rejoins > 0 {
            notes.append(
                "\(name): channels dropped out and rejoined \(result.rejoins) times (socket lost or heartbeat unanswered)"
            )
        }
        if result.foreignFrames > 0 {
            notes.append("\(name): \(result.foreignFrames) frames that were not load broadcasts")
        }
        notes.append(
            "\(name): server RSS MB each second: "
                + result.rssSamples.map { Self.megabytes($0) }.joined(separator: " "))
        for failure in result.failures { notes.append("\(name): client failure: \(failure)") }
    }

    func render() -> String {
        var widths = Self.headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            "| "
                + cells.enumerated().map { i, cell in
                    let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
                    return i < 2 ? cell + pad : pad + cell
                }.joined(separator: " | ") + " |"
        }
        var out = [line(Self.headers)]
        out.append(
            "|"
                + widths.enumerated().map { i, w in
                    i < 2 ? String(repeating: "-", count: w + 2) : String(repeating: "-", count: w + 1) + ":"
                }.joined(separator: "|") + "|")
        out += rows.map(line)
        return out.joined(separator: "\n")
    }

    static func milliseconds(_ micros: UInt64) -> Double { Double(micros) / 1000 }

    static func fixed(_ value: Double) -> String {
        value >= 100
            ? String(format: "%.0f", value)
            : value >= 10 ? String(format: "%.1f", value) : String(format: "%.2f", value)
    }

    static func count(_ value: Double) -> String { String(format: "%.0f", value) }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.0f", Double(bytes) / 1_048_576) }

    static func ratio(_ value: Double, _ base: Double, digits: Int) -> String {
        base > 0 ? String(format: "%.\(digits)f", value / base) : "–"
    }
}
