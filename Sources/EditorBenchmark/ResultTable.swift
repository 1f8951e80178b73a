import Foundation

/// Prints the rows as one Markdown table: each figure beside its baseline from the
/// same run and the ratio, with the 5 ms goal judged on the p99 of keystroke lines.
enum ResultTable {
    static let goalMilliseconds = 5.0

    static func render(_ rows: [Row]) -> String {
        let header = [
            "measurement", "n", "p50", "p90", "p99", "max",
            "baseline (same run)", "p50", "p90", "p99", "max", "×p50", "×p99", "p99 < 5 ms"
        ]
        var lines = [header]
        for row in rows {
            let m = row.measured
            let b = row.baseline
            // A miss the baseline shares is the machine's (a busy core), not the CRDT's.
            let goal =
                !row.isInteractive
                ? ""
                : m.p99 < goalMilliseconds
                    ? "yes"
                    : b.p99 < goalMilliseconds ? "NO" : "NO, baseline too"
            lines.append([
                row.name, "\(m.count)",
                ms(m.p50), ms(m.p90), ms(m.p99), ms(m.max),
                row.baselineName, ms(b.p50), ms(b.p90), ms(b.p99), ms(b.max),
                ratio(m.p50, b.p50), ratio(m.p99, b.p99), goal
            ])
        }
        let widths = header.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
        func format(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                // Names left, figures right.
                return (column == 0 || column == 6) ? cell + pad : pad + cell
            }
            return "| " + padded.joined(separator: " | ") + " |"
        }
        let rule =
            "|"
            + widths.enumerated().map { column, width in
                (column == 0 || column == 6)
                    ? String(repeating: "-", count: width + 2)
                    : String(repeating: "-", count: width + 1) + ":"
            }.joined(separator: "|") + "|"
        return ([format(header), rule] + lines.dropFirst().map(format)).joined(separator: "\n")
    }

    private static func ms(_ value: Double) -> String {
        value >= 100
            ? String(format: "%.0f", value)
            : value >= 10
                ? String(format: "%.1f", value)
                : String(format: "%.3f", value)
    }

    private static func ratio(_ a: Double, _ b: Double) -> String {
        b > 0 ? String(format: "%.1f×", a / b) : "–"
    }
}
