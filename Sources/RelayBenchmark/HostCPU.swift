import Foundation

/// Busy and total jiffies of the whole machine (`/proc/stat`), to tell whether the
/// two cores were saturated during a run.
struct HostCPU {
    var busy: Double
    var total: Double

    static func read() -> HostCPU? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return nil }
        let values = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard values.count >= 5 else { return nil }
        // user nice system idle iowait irq softirq steal …; idle and iowait are not busy.
        let total = values.prefix(8).reduce(0, +)
        return HostCPU(busy: total - values[3] - values[4], total: total)
    }

    /// Busy share between two readings in percent of one core (200 % = two cores busy).
    static func busyPercent(from start: HostCPU?, to end: HostCPU?) -> Double? {
        guard let start, let end, end.total > start.total else { return nil }
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        return (end.busy - start.busy) / (end.total - start.total) * 100 * cores
    }
}
