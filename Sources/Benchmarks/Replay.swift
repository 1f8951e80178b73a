import Foundation
import YCRDT

/// What the replays of a trace measured on the Swift side. Times are CPU milliseconds, the
/// least of `runs` repetitions (encode and load: see `Measure.keepRepeating`); memory is heap bytes in use (see `Measure`).
struct SwiftFigures {
    var patches = 0
    var runs = 0
    var applyMs = 0.0
    var events = 0
    /// The same patches on a plain `[UInt16]` (sequential traces only).
    var floorMs: Double?
    /// The floor plus delivering one update per patch, with no CRDT (see `Replay.deliveryFloor`).
    var deliveryFloorMs: Double?
    var encodeMs = 0.0
    var stateBytes = 0
    var loadMs = 0.0
    /// Heap held by the replayed document(s) at the end of the replay.
    var docMB: Double?
    /// Heap held by one document loaded from the final state.
    var loadedMB: Double?
    var problems: [String] = []
}

/// Counts the update events of a doc, so the replay does the work a provider would
/// (receive every update) without storing them all.
private final class UpdateSink {
    var events = 0
    var bytes = 0
    /// For sequential replays that keep them: the size of every update, in order.
    var sizes: [Int]?
    /// For concurrent replays: the txn whose update is being produced, and the updates by txn.
    var currentTxn: Int?
    var byTxn: [[UInt8]] = []
}

enum Replay {
    /// The floor: the same edits on a bare UTF-16 buffer, no CRDT.
    static func floor(_ edits: [[Edit]], expected: String) -> (Double, Bool) {
        var buffer: [UInt16] = []
        let ((), ms) = Measure.cpu {
            for txn in edits {
                for edit in txn {
                    buffer.replaceSubrange(edit.position..<(edit.position + edit.deleted), with: edit.insertedUnits)
                }
            }
        }
        return (ms, buffer.elementsEqual(expected.utf16))
    }

    /// The floor plus what delivering the updates costs with no CRDT behind them: after each
    /// edit, a new byte array of the size of the update YCRDT emitted for that patch, handed
    /// to a handler as `Doc.onUpdate` hands it. Any design that emits an update per patch
    /// pays at least this; on the short traces it is itself a large multiple of the floor.
    static func deliveryFloor(_ edits: [[Edit]], updateSizes: [Int]) -> Double {
        var buffer: [UInt16] = []
        let sink = UpdateSink()
        let handler: ([UInt8]) -> Void = { update in
            sink.events += 1
            sink.bytes += update.count
        }
        let ((), ms) = Measure.cpu {
            var patch = 0
            for txn in edits {
                for edit in txn {
                    buffer.replaceSubrange(edit.position..<(edit.position + edit.deleted), with: edit.insertedUnits)
                    var update = [UInt8](repeating: 0, count: updateSizes[patch])
                    update[0] = 1
                    handler(update)
                    patch += 1
                }
            }
        }
        return ms
    }

    private static func megabytes(_ before: Int?, _ after: Int?) -> Double? {
        guard let before, let after else { return nil }
        return Double(after - before) / 1e6
    }

    /// Applies every patch as a local edit, one transaction (so one update event) per patch.
    static func sequential(_ trace: Trace, runs: Int) throws -> SwiftFigures {
        var figures = SwiftFigures()
        figures.runs = runs
        let edits = UTF16Positions.edits(of: trace)
        figures.patches = edits.reduce(0) { $0 + $1.count }
        var floorBest = Double.infinity
        for _ in 0..<runs {
            let (floorMs, floorOK) = floor(edits, expected: trace.endContent)
            floorBest = min(floorBest, floorMs)
            if !floorOK { figures.problems.append("floor replay != endContent (position conversion bug)") }
        }
        figures.floorMs = floorBest

        var best = Double.infinity
        var kept: Doc?
        var updateSizes: [Int] = []
        for run in 0..<runs {
            kept = nil
            // The first run keeps every update's size, in room taken before the heap is read.
            let sink = UpdateSink()
            if run == 0 { sink.sizes = Array(unsafeUninitializedCapacity: figures.patches) { $1 = 0 } }
            let heapBefore = Measure.heapInUse()
            let doc = Doc(clientID: 1)
            let text = doc.getText("content")
            _ = doc.onUpdate { update, _ in
                sink.events += 1
                sink.bytes += update.count
                sink.sizes?.append(update.count)
            }
            let ((), applyMs) = Measure.cpu {
                for txn in edits {
                    for edit in txn {
                        doc.transact { _ in
                            if edit.deleted > 0 { text.delete(at: edit.position, length: edit.deleted) }
                            if !edit.inserted.isEmpty { text.insert(edit.inserted, at: edit.position) }
                        }
                    }
                }
            }
            best = min(best, applyMs)
            figures.docMB = megabytes(heapBefore, Measure.heapInUse())
            if run == 0 {
                updateSizes = sink.sizes ?? []
                figures.events = sink.events
                if sink.events != figures.patches {
                    figures.problems.append("\(sink.events) update events for \(figures.patches) patches")
                }
                if text.toString() != trace.endContent { figures.problems.append("final text != endContent") }
            }
            kept = doc
        }
        figures.applyMs = best
        if updateSizes.count == figures.patches {
            figures.deliveryFloorMs = (0..<runs).map { _ in deliveryFloor(edits, updateSizes: updateSizes) }.min()
        }
        if let doc = kept { try encodeAndLoad(doc, expected: trace.endContent, runs: runs, into: &figures) }
        return figures
    }

    /// One doc per agent. Before an agent's txn, the updates of every ancestor
    /// txn its doc lacks are applied in trace order (the merge points); at the
    /// end every doc catches up with every txn and must equal `endContent`.
    static func concurrent(_ trace: Trace, runs: Int) throws -> SwiftFigures {
        var best = Double.infinity
        var figures = SwiftFigures()
        var docs: [Doc] = []
        for _ in 0..<runs {
            docs = []
            let once: SwiftFigures
            (once, docs) = try concurrentOnce(trace)
            best = min(best, once.applyMs)
            figures = once
        }
        figures.applyMs = best
        figures.runs = runs
        if figures.problems.isEmpty, let doc = docs.first {
            try encodeAndLoad(doc, expected: trace.endContent, runs: runs, into: &figures)
        }
        return figures
    }

    /// The first agent's doc after a concurrent replay (the doc whose state the table loads).
    static func concurrentFirstDoc(_ trace: Trace) throws -> Doc {
        let (figures, docs) = try concurrentOnce(trace)
        guard figures.problems.isEmpty, let doc = docs.first else {
            throw BenchmarkError.unsupported("the concurrent replay failed: \(figures.problems)")
        }
        return doc
    }

    private static func concurrentOnce(_ trace: Trace) throws -> (SwiftFigures, [Doc]) {
        var figures = SwiftFigures()
        let hasAstral = trace.txns.contains { txn in
            txn.patches.contains { $0.inserted.unicodeScalars.contains { $0.value > 0xFFFF } }
        }
        if hasAstral {
            throw BenchmarkError.unsupported(
                "concurrent trace with characters above U+FFFF: positions would need per-agent conversion")
        }
        let agents = max(trace.numAgents ?? 1, 1)
        let txns = trace.txns
        figures.patches = txns.reduce(0) { $0 + $1.patches.count }

        // The replay's own bookkeeping (the updates by txn, what each agent knows) is
        // allocated before the heap is read and still allocated (emptied) when it is read
        // again, as in bench_pycrdt.py: doc MB is the documents' heap only.
        let sink = UpdateSink()
        sink.byTxn = Array(repeating: [], count: txns.count)
        var known = Array(repeating: [Bool](repeating: false, count: txns.count), count: agents)
        let heapBefore = Measure.heapInUse()
        let docs = (0..<agents).map { Doc(clientID: ClientID($0 + 1)) }
        let texts = docs.map { $0.getText("content") }
        for doc in docs {
            _ = doc.onUpdate { update, _ in
                sink.events += 1
                if let txn = sink.currentTxn { sink.byTxn[txn] = update }
            }
        }

        func catchUp(_ agent: Int, to roots: [Int]) throws {
            var missing: [Int] = []
            var stack = roots
            while let txn = stack.popLast() {
                guard txn >= 0, txn < txns.count, !known[agent][txn] else { continue }
                known[agent][txn] = true
                missing.append(txn)
                stack.append(contentsOf: txns[txn].parents ?? [])
            }
            for txn in missing.sorted() {
                try docs[agent].applyUpdate(sink.byTxn[txn], origin: "remote")
            }
        }

        let ((), applyMs) = try Measure.cpu {
            for (index, txn) in txns.enumerated() {
                let agent = min(max(txn.agent ?? 0, 0), agents - 1)
                try catchUp(agent, to: txn.parents ?? [])
                sink.currentTxn = index
                let text = texts[agent]
                docs[agent].transact { _ in
                    for patch in txn.patches {
                        if patch.deleted > 0 { text.delete(at: patch.position, length: patch.deleted) }
                        if !patch.inserted.isEmpty { text.insert(patch.inserted, at: patch.position) }
                    }
                }
                sink.currentTxn = nil
                known[agent][index] = true
            }
            for agent in 0..<agents {
                try catchUp(agent, to: Array(txns.indices))
            }
        }
        figures.applyMs = applyMs
        figures.events = sink.events
        for txn in sink.byTxn.indices { sink.byTxn[txn] = [] }
        figures.docMB = megabytes(heapBefore, Measure.heapInUse())
        sink.byTxn = []
        for (agent, text) in texts.enumerated() where text.toString() != trace.endContent {
            figures.problems.append("agent \(agent) text != endContent")
        }
        return (figures, docs)
    }

    /// Encodes the full state and loads it into a fresh doc, each at least `runs` times and
    /// on while under `Measure.budgetMs` (least CPU time kept); measures the heap one loaded
    /// doc holds.
    static func encodeAndLoad(_ doc: Doc, expected: String, runs: Int, into figures: inout SwiftFigures) throws {
        var state: [UInt8] = []
        figures.encodeMs = .infinity
        var (done, spentMs) = (0, 0.0)
        while Measure.keepRepeating(done: done, spentMs: spentMs, runs: runs) {
            let (encoded, ms) = try Measure.cpu { try doc.encodeStateAsUpdate() }
            figures.encodeMs = min(figures.encodeMs, ms)
            state = encoded
            (done, spentMs) = (done + 1, spentMs + ms)
        }
        figures.stateBytes = state.count
        figures.loadMs = .infinity
        (done, spentMs) = (0, 0.0)
        while Measure.keepRepeating(done: done, spentMs: spentMs, runs: runs) {
            let heapBefore = Measure.heapInUse()
            let fresh = Doc(clientID: 2)
            let ((), ms) = try Measure.cpu { try fresh.applyUpdate(state) }
            figures.loadMs = min(figures.loadMs, ms)
            (done, spentMs) = (done + 1, spentMs + ms)
            figures.loadedMB = megabytes(heapBefore, Measure.heapInUse())
            if done == 1, fresh.getText("content").toString() != expected {
                figures.problems.append("state loaded into a fresh doc != endContent")
            }
        }
    }
}
