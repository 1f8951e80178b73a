import Foundation

/// Durations of one measured operation, in milliseconds, and their percentiles.
struct Samples {
    private(set) var milliseconds: [Double] = []

    var count: Int { milliseconds.count }

    mutating func append(_ value: Double) { milliseconds.append(value) }

    mutating func append(contentsOf other: Samples) { milliseconds += other.milliseconds }

    /// Times `body` once and records it; returns what `body` returned.
    @discardableResult
    mutating func time<T>(_ body: () throws -> T) rethrows -> T {
        let start = Stopwatch.now()
        let result = try body()
        append(millisecondsSince(start))
        return result
    }

    /// The nearest-rank percentile (`fraction` in 0...1); 0 with no samples.
    func percentile(_ fraction: Double) -> Double {
        guard !milliseconds.isEmpty else { return 0 }
        let sorted = milliseconds.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[Swift.min(Swift.max(rank, 0), sorted.count - 1)]
    }

    var p50: Double { percentile(0.5) }
    var p90: Double { percentile(0.9) }
    var p99: Double { percentile(0.99) }
    var max: Double { milliseconds.max() ?? 0 }
}
