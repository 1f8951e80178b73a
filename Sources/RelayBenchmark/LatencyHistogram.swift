/// Delivery latencies in a log-linear histogram: exact below 64 µs, then 32 buckets
/// per power of two (about 3 % resolution), so millions of samples cost a few KB.
struct LatencyHistogram {
    private static let linear = 64
    private static let subBuckets = 32
    private static let octaves = 40
    private var counts = [Int](repeating: 0, count: linear + octaves * subBuckets)
    private(set) var total = 0
    private(set) var maxMicroseconds: UInt64 = 0

    mutating func record(microseconds value: UInt64) {
        counts[Self.bucket(of: value)] += 1
        total += 1
        if value > maxMicroseconds { maxMicroseconds = value }
    }

    mutating func merge(_ other: LatencyHistogram) {
        for i in counts.indices { counts[i] += other.counts[i] }
        total += other.total
        maxMicroseconds = max(maxMicroseconds, other.maxMicroseconds)
    }

    /// The latency (µs, the upper edge of its bucket) below which `fraction` of the
    /// samples lie; `nil` without samples.
    func percentile(_ fraction: Double) -> UInt64? {
        guard total > 0 else { return nil }
        let rank = max(1, Int((fraction * Double(total)).rounded(.up)))
        var seen = 0
        for (bucket, count) in counts.enumerated() where count > 0 {
            seen += count
            if seen >= rank { return min(Self.upperEdge(of: bucket), maxMicroseconds) }
        }
        return maxMicroseconds
    }

    private static func bucket(of value: UInt64) -> Int {
        if value < UInt64(linear) { return Int(value) }
        // Octave 0 covers [64, 128), each split into 32 buckets of 2 µs, and so on.
        let magnitude = 63 - value.leadingZeroBitCount  // floor(log2 value) ≥ 6
        let octave = magnitude - 6
        guard octave < octaves else { return linear + octaves * subBuckets - 1 }
        let shift = magnitude - 5  // keep 5 bits below the top bit
        let sub = Int((value >> UInt64(shift)) & UInt64(subBuckets - 1))
        return linear + octave * subBuckets + sub
    }

    private static func upperEdge(of bucket: Int) -> UInt64 {
        if bucket < linear { return UInt64(bucket) }
        let octave = (bucket - linear) / subBuckets
        let sub = (bucket - linear) % subBuckets
        let shift = UInt64(octave + 1)
        return ((UInt64(subBuckets + sub + 1)) << shift) - 1
    }
}
