/// The text's formatting as consecutive runs (length, style) covering every UTF-16
/// unit, kept in step with each change's delta so that drawing a screen never walks
/// the whole `Y.Text`. Few runs in practice: unformatted text is one run.
struct StyleRuns: Equatable {
    private(set) var runs: [(length: Int, style: TextStyle)] = []

    static func == (a: StyleRuns, b: StyleRuns) -> Bool {
        a.runs.count == b.runs.count
            && zip(a.runs, b.runs).allSatisfy { $0.length == $1.length && $0.style == $1.style }
    }

    /// Whether no text is formatted (one plain run, or none).
    var isPlain: Bool { runs.count <= 1 && (runs.first?.style ?? []).isEmpty }

    /// The total length covered.
    var length: Int { runs.reduce(0) { $0 + $1.length } }

    /// Runs for text read whole, e.g. from `toDelta()`: (length, style) pairs.
    init(_ pieces: [(length: Int, style: TextStyle)] = []) {
        for piece in pieces { append(piece.length, piece.style) }
    }

    private mutating func append(_ length: Int, _ style: TextStyle) {
        guard length > 0 else { return }
        if let last = runs.last, last.style == style {
            runs[runs.count - 1].length += length
        } else {
            runs.append((length, style))
        }
    }

    /// Splits so that a run starts at `offset`; returns that run's index
    /// (`runs.count` at the end).
    private mutating func split(at offset: Int) -> Int {
        var start = 0
        for i in runs.indices {
            let end = start + runs[i].length
            if offset == start { return i }
            if offset < end {
                let (length, style) = runs[i]
                runs[i].length = offset - start
                runs.insert((length - (offset - start), style), at: i + 1)
                return i + 1
            }
            start = end
        }
        return runs.count
    }

    /// Puts back together neighbours with the same style.
    private mutating func coalesce() {
        var merged: [(length: Int, style: TextStyle)] = []
        merged.reserveCapacity(runs.count)
        for run in runs where run.length > 0 {
            if let last = merged.last, last.style == run.style {
                merged[merged.count - 1].length += run.length
            } else {
                merged.append(run)
            }
        }
        runs = merged
    }

    mutating func insert(_ length: Int, style: TextStyle, at offset: Int) {
        guard length > 0 else { return }
        let i = split(at: min(offset, self.length))
        runs.insert((length, style), at: i)
        coalesce()
    }

    mutating func delete(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        let first = split(at: range.lowerBound)
        let last = split(at: min(range.upperBound, length))
        runs.removeSubrange(first..<last)
        coalesce()
    }

    /// Changes the style of `range`: `change` gets each run's style and returns the new one.
    mutating func restyle(_ range: Range<Int>, _ change: (TextStyle) -> TextStyle) {
        guard !range.isEmpty else { return }
        let first = split(at: range.lowerBound)
        let last = split(at: min(range.upperBound, length))
        for i in first..<last { runs[i].style = change(runs[i].style) }
        coalesce()
    }

    /// The styled (non-plain) stretches overlapping `range`.
    func styles(in range: Range<Int>) -> [StyledRange] {
        var found: [StyledRange] = []
        var start = 0
        for run in runs {
            let end = start + run.length
            if end > range.lowerBound && start < range.upperBound && !run.style.isEmpty {
                found.append(StyledRange(range: start..<end, style: run.style))
            }
            if start >= range.upperBound { break }
            start = end
        }
        return found
    }
}
