import YCRDT

/// The editor's view of a Yjs document: the root `Y.Text` named `content`, edited
/// with origin `nil` (tracked by the undo manager, so Ctrl-Z undoes only this
/// editor's edits), anchors as Yjs relative positions, and remote updates applied
/// with `TransactionOrigin.remote`, so they are never undone or sent back out.
public final class YTextDocument: EditorDocument {
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
    /// The formatting, followed change by change.
    private var styleRuns: StyleRuns

    public init(doc: Doc, textName: String = "content") {
        self.doc = doc
        ytext = doc.getText(textName)
        undoManager = UndoManager(ytext)
        styleRuns = Self.readStyles(ytext)
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
            // No attributes: the text takes the formatting on its left, as typing
            // inside bold text does in the web editors.
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

    public func anchor(at offset: Int, bias: AnchorBias) -> TextAnchor {
        let index = min(max(0, offset), ytext.length)
        return TextAnchor(bytes: RelativePosition(text: ytext, index: index, assoc: bias == .before ? -1 : 0).encode())
    }

    public func resolve(_ anchor: TextAnchor) -> Int? {
        guard let position = try? RelativePosition(decoding: anchor.bytes) else { return nil }
        return position.absoluteIndex(in: doc)
    }

    public func styles(in range: Range<Int>) -> [StyledRange] {
        styleRuns.styles(in: range)
    }

    /// Applies a Yjs v1 update from another editor or the store.
    /// - Throws: the decoder's error for a malformed update; the document is unchanged.
    public func applyRemoteUpdate(_ update: [UInt8]) throws {
        try doc.applyUpdate(update, origin: TransactionOrigin.remote)
    }

    /// Whether a `Doc.onUpdate` origin is a remote one (never to be sent out again).
    public static func isRemote(_ origin: AnyHashable?) -> Bool {
        origin == AnyHashable(TransactionOrigin.remote)
    }

    // MARK: - Changes

    /// Turns a text event's delta into sequential edits for the layout, and keeps
    /// the formatting runs in step.
    private func textChanged(_ event: YTextEvent) {
        var edits: [TextEdit] = []
        var index = 0
        for op in event.delta {
            switch op {
            case let .retain(count, attributes):
                if !attributes.isEmpty {
                    styleRuns.restyle(index..<(index + count)) { Self.style($0, changedBy: attributes) }
                }
                index += count
            case let .insert(text, attributes):
                let count = text.utf16.count
                edits.append(TextEdit(range: index..<index, replacement: text))
                styleRuns.insert(count, style: Self.style([], changedBy: attributes), at: index)
                index += count
            case let .embed(_, attributes):
                // Embeds count one unit; shown as the object replacement character.
                edits.append(TextEdit(range: index..<index, replacement: "\u{FFFC}"))
                styleRuns.insert(1, style: Self.style([], changedBy: attributes), at: index)
                index += 1
            case let .delete(count):
                edits.append(TextEdit(range: index..<(index + count), replacement: ""))
                styleRuns.delete(index..<(index + count))
            }
        }
        if styleRuns.length != ytext.length { styleRuns = Self.readStyles(ytext) }
        guard !edits.isEmpty else {
            // Formatting only: nothing moves, the next frame draws the new style.
            onChange?(DocumentChange(edits: [], isLocal: !Self.isRemote(event.origin) && event.isLocal))
            return
        }
        let isLocal = event.isLocal && !Self.isRemote(event.origin)
        if isLocal { lastChangeEnd = index }
        onChange?(DocumentChange(edits: edits, isLocal: isLocal))
    }

    /// The attribute names web editors use for what a terminal can draw.
    private static let attributeStyles: [(names: [String], style: TextStyle)] = [
        (["bold", "strong"], .bold), (["italic", "em"], .italic), (["underline", "u"], .underline)
    ]

    /// `style` with `attributes` applied: a present, non-false value sets a style,
    /// `null` or `false` clears it; other attributes leave it as it is.
    static func style(_ style: TextStyle, changedBy attributes: [String: AnyValue]) -> TextStyle {
        var result = style
        for (names, flag) in attributeStyles {
            for name in names {
                guard let value = attributes[name] else { continue }
                switch value {
                case .null, .undefined, .bool(false): result.remove(flag)
                default: result.insert(flag)
                }
            }
        }
        return result
    }

    private static func readStyles(_ text: YText) -> StyleRuns {
        StyleRuns(
            text.toDelta().map { op in
                switch op {
                case let .insert(string, attributes): return (string.utf16.count, style([], changedBy: attributes))
                case let .embed(_, attributes): return (1, style([], changedBy: attributes))
                case let .retain(count, _): return (count, [])
                case .delete: return (0, [])
                }
            })
    }
}
