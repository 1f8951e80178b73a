import Foundation

/// The one table the benchmark prints: Swift figures beside their baselines.
struct Table {
    static let headers = [
        "trace", "kind", "patches", "apply ms", "patches/s", "floor ms", "×floor", "yrs apply ms", "×yrs",
        "encode ms (yrs)", "state bytes (yrs)", "load ms (yrs)", "doc MB (yrs)", "peak MB (yrs)", "ok"
    ]
    var rows: [[String]] = []
    var notes: [String] = []
    /// The pycrdt version the baselines ran with, as the child reported it.
    var pycrdtVersion: String?

    mutating func add(name: String, kind: String, swift: SwiftFigures, peakMB: Double, yrs: PycrdtFigures?) {
        let rate = swift.applyMs > 0 ? Double(swift.patches) / (swift.applyMs / 1000) : 0
        let ok = swift.problems.isEmpty
        if let version = yrs?.version { pycrdtVersion = version }
        if let yrs, !yrs.ok { notes.append("\(name): pycrdt: \(yrs.error ?? "failed")") }
        for problem in swift.problems { notes.append("\(name): \(problem)") }
        rows.append([
            name, kind, "\(swift.patches)",
            Table.fixed(swift.applyMs), Table.count(rate),
            swift.floorMs.map(Table.fixed) ?? "–",
            swift.floorMs.map { Table.ratio(swift.applyMs, $0) } ?? "–",
            yrs?.applyMs.map(Table.fixed) ?? "–",
            yrs?.applyMs.map { Table.ratio(swift.applyMs, $0) } ?? "–",
            Table.pair(Table.fixed(swift.encodeMs), yrs?.encodeMs.map(Table.fixed)),
            Table.pair("\(swift.stateBytes)", yrs?.stateBytes.map { "\($0)" }),
            Table.pair(Table.fixed(swift.loadMs), yrs?.loadMs.map(Table.fixed)),
            Table.pair(Table.fixed(swift.docMB), yrs?.docMB.map(Table.fixed)),
            Table.pair(Table.fixed(peakMB), yrs?.peakMB.map(Table.fixed)),
            ok ? "yes" : "NO"
        ])
    }

    func render() -> String {
        var widths = Table.headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            "| "
                + cells.enumerated().map { i, cell in
                    let pad = String(repeating: " ", count: widths[i] - cell.count)
                    return i < 2 ? cell + pad : pad + cell
                }.joined(separator: " | ") + " |"
        }
        var out = [line(Table.headers)]
        out.append(
            "|"
                + widths.enumerated().map { i, w in
                    i < 2 ? String(repeating: "-", count: w + 2) : String(repeating: "-", count: w + 1) + ":"
                }.joined(separator: "|") + "|")
        out += rows.map(line)
        return out.joined(separator: "\n")
    }

    static func fixed(_ value: Double) -> String {
        value >= 100
            ? String(format: "%.0f", value)
            : value >= 10 ? String(format: "%.1f", value) : String(format: "%.2f", value)
    }

    static func count(_ value: Double) -> String { String(format: "%.0f", value) }

    static func ratio(_ value: Double, _ base: Double) -> String {
        base > 0 ? String(format: "%.1f×", value / base) : "–"
    }

    static func pair(_ swift: String, _ yrs: String?) -> String { "\(swift) (\(yrs ?? "–"))" }
}
