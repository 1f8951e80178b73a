import YCRDT

/// The editor's view of a Yjs document: the root `Y.Text` named `content`, edited
/// with origin `nil` (tracked by the undo manager, so Ctrl-Z undoes only this
/// editor's edits), anchors as Yjs relative positions, and remote updates applied
/// with `remoteOrigin` so they are never undone or re-broadcast.
public final class YTextDocument: EditorDocument {
    /// The default origin remote updates are applied with.
    public static let defaultRemoteOrigin: AnyHashable = "qalam-remote"
    /// The origin this document applies remote updates with; a `Doc.onUpdate`
    /// handler that forwards local updates must skip it.
    public let remoteOrigin: AnyHashable

    /// The whole Yjs document, other root types included.
    public let doc: Doc
    /// The edited text.
    public let ytext: YText
    /// Tracks only this editor's edits (origin nil), so undo never reverts a peer.
    public let undoManager: UndoManager
    public var onChange: ((DocumentChange) -> Void)?
    private var observer: ObserverID?
    /// Where the last local change ended, for placing the caret after undo/redo.
    private var lastChangeEnd: Int?

    public init(doc: Doc, textName: String = "content", remoteOrigin: AnyHashable = YTextDocument.defaultRemoteOrigin) {
        self.doc = doc
        self.remoteOrigin = remoteOrigin
        ytext = doc.getText(textName)
        undoManager = UndoManager(ytext)
        observer = ytext.observe { [weak self] event in self?.textChanged(event) }
    }

    deinit {
        if let observer { ytext.unobserve(observer) }
    }

    public var text: String { ytext.toString() }
    public var utf16Count: Int { ytext.length }

    public func replace(_ range: Range<Int>, with replacement: String) throws {
        let length = ytext.length
        guard range.lowerBound >= 0, range.upperBound <= length else {
            throw EditorError.rangeOutOfBounds(range: range, length: length)
        }
        guard !range.isEmpty || !replacement.isEmpty else { return }
        doc.transact { _ in
            if !range.isEmpty { ytext.delete(at: range.lowerBound, length: range.count) }
            if !replacement.isEmpty { ytext.insert(replacement, at: range.lowerBound) }
        }
    }

    public func undo() -> Int? {
        lastChangeEnd = nil
        guard undoManager.undo() else { return nil }
        return lastChangeEnd
    }

    public func redo() -> Int? {
        lastChangeEnd = nil
        guard undoManager.redo() else { return nil }
        return lastChangeEnd
    }

    public func stopCapturing() {
        undoManager.stopCapturing()
    }

    public func anchor(at offset: Int, assoc: Int) -> TextAnchor {
        TextAnchor(
            bytes: RelativePosition(text: ytext, index: min(max(0, offset), ytext.length), assoc: assoc).encode())
    }

    public func resolve(_ anchor: TextAnchor) -> Int? {
        guard let position = try? RelativePosition(decoding: anchor.bytes) else { return nil }
        return position.absoluteIndex(in: doc)
    }

    /// Applies a Yjs v1 update from another editor.
    /// - Throws: the decoder's error for a malformed update; the document is unchanged.
    public func applyRemoteUpdate(_ update: [UInt8]) throws {
        try doc.applyUpdate(update, origin: remoteOrigin)
    }

    /// Turns a text event's delta into sequential edits for the layout.
    private func textChanged(_ event: YTextEvent) {
        var edits: [TextEdit] = []
        var index = 0
        for op in event.delta {
            switch op {
            case let .retain(count, _):
                index += count
            case let .insert(text, _):
                edits.append(TextEdit(range: index..<index, replacement: text))
                index += text.utf16.count
            case .embed:
                // Embeds count one unit; shown as the object replacement character.
                edits.append(TextEdit(range: index..<index, replacement: "\u{FFFC}"))
                index += 1
            case let .delete(count):
                edits.append(TextEdit(range: index..<(index + count), replacement: ""))
            }
        }
        guard !edits.isEmpty else { return }
        let isLocal = event.isLocal && event.origin != remoteOrigin
        if isLocal { lastChangeEnd = index }
        onChange?(DocumentChange(edits: edits, isLocal: isLocal))
    }
}
