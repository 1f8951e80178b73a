import Foundation
import YCRDT

/// `--profile STEP`: repeats one step of the first selected sequential trace many times
/// so that a sampling profiler (`perf record`) sees mostly that step, and prints the
/// least and mean CPU time per repetition. STEP is `load` (the final state into a fresh
/// doc), `encode` (the final state as one update) or `apply` (every patch as a local edit).
/// `load` and `encode` also take a concurrent trace (its first agent's doc, whose state the
/// table encodes and loads).
enum Profile {
    enum Step: String {
        case load, encode, apply
    }

    /// One load, named so that callgrind can count it alone
    /// (`--toggle-collect='*Profile*loadOnce*'`): on a concurrent trace the replay before it
    /// applies updates too.
    @inline(never)
    static func loadOnce(_ state: [UInt8], into doc: Doc) throws {
        try doc.applyUpdate(state)
    }

    static func run(_ step: Step, trace url: URL, loops: Int) throws {
        let trace = try Trace.load(url)
        guard !trace.isConcurrent || step != .apply else {
            throw BenchmarkError.unsupported("--profile \(step.rawValue) takes a sequential trace")
        }
        let edits = UTF16Positions.edits(of: trace)
        func replay() -> Doc {
            let doc = Doc(clientID: 1)
            let text = doc.getText("content")
            // As in the apply benchmark: a provider receives every update.
            var updateBytes = 0
            doc.onUpdate { update, _ in updateBytes += update.count }
            for txn in edits {
                for edit in txn {
                    doc.transact { _ in
                        if edit.deleted > 0 { text.delete(at: edit.position, length: edit.deleted) }
                        if !edit.inserted.isEmpty { text.insert(edit.inserted, at: edit.position) }
                    }
                }
            }
            return doc
        }
        var times: [Double] = []
        switch step {
        case .apply:
            var last: Doc?
            for _ in 0..<loops { times.append(Measure.cpu { last = replay() }.1) }
            // A digest of the final state, so that a change meant to be invisible can be checked
            // against the build before it on every trace (the state holds every origin chosen).
            if let state = try last?.encodeStateAsUpdate() {
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                for byte in state { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
                print(String(format: "state: %d bytes, FNV-1a %016llx", state.count, hash))
            }
        case .encode:
            let doc = try trace.isConcurrent ? Replay.concurrentFirstDoc(trace) : replay()
            for _ in 0..<loops { times.append(try Measure.cpu { _ = try doc.encodeStateAsUpdate() }.1) }
        case .load:
            let state = try (trace.isConcurrent ? Replay.concurrentFirstDoc(trace) : replay()).encodeStateAsUpdate()
            for _ in 0..<loops {
                let fresh = Doc(clientID: 2)
                times.append(try Measure.cpu { try loadOnce(state, into: fresh) }.1)
                guard fresh.getText("content").toString() == trace.endContent else {
                    throw BenchmarkError.unsupported("the loaded state differs from endContent")
                }
            }
        }
        let mean = times.reduce(0, +) / Double(max(times.count, 1))
        print(
            String(
                format: "%@ %@: least %.3f ms, mean %.3f ms over %d loops", step.rawValue, url.lastPathComponent,
                times.min() ?? 0, mean, times.count))
    }
}
