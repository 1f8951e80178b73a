/// `--processes N`: each trace runs in N Swift children and N pycrdt processes, taken in
/// turn, and every time is the least over them, on both sides alike. On this kind of VM
/// one process of the same binary now and then runs everything 1.3–1.6× slower than the
/// next (its encode and load together), which a least of runs inside one process cannot
/// remove.

/// The lesser of two optional times, either one alone when the other is missing.
private func least(_ a: Double?, _ b: Double?) -> Double? {
    guard let a else { return b }
    guard let b else { return a }
    return min(a, b)
}

extension SwiftFigures {
    /// Keeps the least of each time and memory figure of this and `other` (another
    /// process's run of the same trace); counts stay, problems of both are kept.
    mutating func keepLeast(of other: SwiftFigures) {
        applyMs = min(applyMs, other.applyMs)
        floorMs = least(floorMs, other.floorMs)
        deliveryFloorMs = least(deliveryFloorMs, other.deliveryFloorMs)
        encodeMs = min(encodeMs, other.encodeMs)
        loadMs = min(loadMs, other.loadMs)
        docMB = least(docMB, other.docMB)
        loadedMB = least(loadedMB, other.loadedMB)
        problems += other.problems
    }
}

extension PycrdtFigures {
    /// As `SwiftFigures.keepLeast(of:)`; the run is good only if both were.
    mutating func keepLeast(of other: PycrdtFigures) {
        applyMs = least(applyMs, other.applyMs)
        encodeMs = least(encodeMs, other.encodeMs)
        loadMs = least(loadMs, other.loadMs)
        docMB = least(docMB, other.docMB)
        loadedMB = least(loadedMB, other.loadedMB)
        peakMB = least(peakMB, other.peakMB)
        ok = ok && other.ok
        error = error ?? other.error
        version = version ?? other.version
    }
}
