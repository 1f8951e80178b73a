import Foundation

/// The one table the benchmark prints: every Swift figure beside its baseline from the same
/// run and their ratio (Swift ÷ baseline; below 1× is Swift ahead).
struct Table {
    static let headers = [
        "trace", "kind", "patches", "apply ms", "floor ms", "×floor", "floor+updates ms", "×",
        "pycrdt per-call apply ms", "×",
        "encode ms (yrs)", "×", "load ms (yrs)", "×", "state bytes (yrs)", "doc MB (yrs)", "×", "loaded MB (yrs)", "×",
        "peak MB (yrs)", "ok"
    ]
    var rows: [[String]] = []
    var notes: [String] = []
    /// The pycrdt version the baselines ran with, as the child reported it.
    var pycrdtVersion: String?

    mutating func add(name: String, kind: String, swift: SwiftFigures, peakMB: Double, yrs: PycrdtFigures?) {
        let ok = swift.problems.isEmpty
        if let version = yrs?.version { pycrdtVersion = version }
        if let yrs, !yrs.ok { notes.append("\(name): pycrdt: \(yrs.error ?? "failed")") }
        for problem in swift.problems { notes.append("\(name): \(problem)") }
        rows.append([
            name, kind, "\(swift.patches)",
            Table.fixed(swift.applyMs),
            swift.floorMs.map(Table.fixed) ?? "–",
            swift.floorMs.map { Table.ratio(swift.applyMs, $0) } ?? "–",
            swift.deliveryFloorMs.map(Table.fixed) ?? "–",
            swift.deliveryFloorMs.map { Table.ratio(swift.applyMs, $0) } ?? "–",
            yrs?.applyMs.map(Table.fixed) ?? "–",
            Table.ratio(swift.applyMs, yrs?.applyMs),
            Table.pair(Table.fixed(swift.encodeMs), yrs?.encodeMs.map(Table.fixed)),
            Table.ratio(swift.encodeMs, yrs?.encodeMs),
            Table.pair(Table.fixed(swift.loadMs), yrs?.loadMs.map(Table.fixed)),
            Table.ratio(swift.loadMs, yrs?.loadMs),
            Table.pair("\(swift.stateBytes)", yrs?.stateBytes.map { "\($0)" }),
            Table.pair(swift.docMB.map(Table.fixed) ?? "–", yrs?.docMB.map(Table.fixed)),
            Table.ratio(swift.docMB, yrs?.docMB),
            Table.pair(swift.loadedMB.map(Table.fixed) ?? "–", yrs?.loadedMB.map(Table.fixed)),
            Table.ratio(swift.loadedMB, yrs?.loadedMB),
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

    static func ratio(_ value: Double?, _ base: Double?) -> String {
        guard let value, let base, base > 0 else { return "–" }
        return String(format: "%.2f×", value / base)
    }

    static func pair(_ swift: String, _ yrs: String?) -> String { "\(swift) (\(yrs ?? "–"))" }
}
