import Foundation

/// An in-memory `EditorDocument`: the text as UTF-16 code units with its own undo
/// stack and anchors that follow edits. Used by the tests of the editor and as the
/// benchmark's no-CRDT baseline; documents people edit are `YTextDocument`s.
public final class PlainTextDocument: EditorDocument {
    private var units: [UInt16]
    /// Every edit since creation, so an anchor made at version `v` can be carried
    /// through the edits made after it.
    private var log: [(range: Range<Int>, insertedLength: Int)] = []
    private var undoStack: [UndoStep] = []
    private var redoStack: [UndoStep] = []
    private var lastEditTime: Date?
    private var capturing = false
    /// Edits closer together than this merge into one undo step (Yjs's default).
    public var captureTimeout: TimeInterval = 0.5

    public var onChange: ((DocumentChange) -> Void)?

    private struct Replacement {
        var range: Range<Int>
        var removed: [UInt16]
        var inserted: [UInt16]
    }

    private struct UndoStep {
        var replacements: [Replacement]
    }

    public init(text: String = "") {
        units = Array(text.utf16)
    }

    public var text: String { String(decoding: units, as: UTF16.self) }
    public var utf16Count: Int { units.count }

    public func replace(_ range: Range<Int>, with replacement: String) throws {
        guard range.lowerBound >= 0, range.upperBound <= units.count else {
            throw EditorError.rangeOutOfBounds(range: range, length: units.count)
        }
        let inserted = Array(replacement.utf16)
        if range.isEmpty && inserted.isEmpty { return }
        let removed = Array(units[range])
        apply(range: range, inserted: inserted)
        let now = Date()
        let step = Replacement(range: range, removed: removed, inserted: inserted)
        if capturing, let last = lastEditTime, now.timeIntervalSince(last) < captureTimeout, !undoStack.isEmpty {
            undoStack[undoStack.count - 1].replacements.append(step)
        } else {
            undoStack.append(UndoStep(replacements: [step]))
        }
        capturing = true
        lastEditTime = now
        redoStack.removeAll()
        onChange?(DocumentChange(edits: [TextEdit(range: range, replacement: replacement)], isLocal: true))
    }

    public func undo() -> Int? {
        guard let step = undoStack.popLast() else { return nil }
        let caret = replay(step, backwards: true)
        redoStack.append(step)
        return caret
    }

    public func redo() -> Int? {
        guard let step = redoStack.popLast() else { return nil }
        let caret = replay(step, backwards: false)
        undoStack.append(step)
        return caret
    }

    /// Undoes (`backwards`) or redoes one step and reports it as a local change;
    /// returns where the caret goes: after the text the last replacement put back.
    private func replay(_ step: UndoStep, backwards: Bool) -> Int {
        capturing = false
        var edits: [TextEdit] = []
        var caret = 0
        for r in backwards ? step.replacements.reversed() : step.replacements {
            let (current, wanted) = backwards ? (r.inserted, r.removed) : (r.removed, r.inserted)
            let range = r.range.lowerBound..<(r.range.lowerBound + current.count)
            apply(range: range, inserted: wanted)
            edits.append(TextEdit(range: range, replacement: String(decoding: wanted, as: UTF16.self)))
            caret = r.range.lowerBound + wanted.count
        }
        onChange?(DocumentChange(edits: edits, isLocal: true))
        return caret
    }

    public func stopCapturing() {
        capturing = false
    }

    /// Applies an edit that did not come from this editor (e.g. a peer in a test):
    /// not undoable, reported with `isLocal == false`.
    public func applyRemote(_ range: Range<Int>, with replacement: String) throws {
        guard range.lowerBound >= 0, range.upperBound <= units.count else {
            throw EditorError.rangeOutOfBounds(range: range, length: units.count)
        }
        apply(range: range, inserted: Array(replacement.utf16))
        onChange?(DocumentChange(edits: [TextEdit(range: range, replacement: replacement)], isLocal: false))
    }

    // MARK: - Anchors

    public func anchor(at offset: Int, bias: AnchorBias) -> TextAnchor {
        var bytes: [UInt8] = []
        for value in [UInt64(log.count), UInt64(min(max(offset, 0), units.count))] {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        bytes.append(bias == .before ? 1 : 0)
        return TextAnchor(bytes: bytes)
    }

    public func resolve(_ anchor: TextAnchor) -> Int? {
        guard anchor.bytes.count == 17 else { return nil }
        let version = anchor.bytes[0..<8].enumerated().reduce(UInt64(0)) {
            $0 | UInt64($1.element) << (8 * UInt64($1.offset))
        }
        let start = anchor.bytes[8..<16].enumerated().reduce(UInt64(0)) {
            $0 | UInt64($1.element) << (8 * UInt64($1.offset))
        }
        guard version <= UInt64(log.count), start <= UInt64(Int.max) else { return nil }
        let before = anchor.bytes[16] == 1
        var offset = Int(start)
        for edit in log[Int(version)...] {
            let a = edit.range.lowerBound
            let b = edit.range.upperBound
            if offset < a { continue }
            if offset > b {
                offset += edit.insertedLength - (b - a)
            } else if offset == b && !before {
                offset = a + edit.insertedLength  // still before the same character
            } else {
                offset = a
            }
        }
        return min(offset, units.count)
    }

    /// Plain text has no formatting.
    public func styles(in range: Range<Int>) -> [StyledRange] { [] }

    private func apply(range: Range<Int>, inserted: [UInt16]) {
        units.replaceSubrange(range, with: inserted)
        log.append((range, inserted.count))
    }
}
