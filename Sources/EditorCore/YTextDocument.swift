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

    /// The text as read with the styles when the document was wrapped, handed to
    /// the first `text` reader (the editor's layout) instead of reading it again.
    private var textAtStart: String?
    /// The edit `replace` is making, while its transaction runs: its text event then
    /// becomes this edit instead of a delta, which walks the whole text (O(document)
    /// per keystroke).
    private var localEdit: TextEdit?

    public init(doc: Doc, textName: String = "content") {
        self.doc = doc
        ytext = doc.getText(textName)
        undoManager = UndoManager(ytext)
        (styleRuns, textAtStart) = Self.read(ytext)
        observer = ytext.observe { [weak self] event in self?.textChanged(event) }
    }

    deinit {
        if let observer { ytext.unobserve(observer) }
    }

    public var text: String {
        if let text = textAtStart {
            textAtStart = nil
            return text
        }
        return Self.read(ytext).text
    }
    public var utf16Count: Int { ytext.length }

    public func replace(_ range: Range<Int>, with replacement: String) throws {
        let length = ytext.length
        guard range.lowerBound >= 0, range.upperBound <= length else {
            throw EditorError.rangeOutOfBounds(range: range, length: length)
        }
        guard !range.isEmpty || !replacement.isEmpty else { return }
        localEdit = TextEdit(range: range, replacement: replacement)
        defer { localEdit = nil }
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

    /// Applies an update decoded already (by the network side, which applied the
    /// same value to its replica).
    /// - Throws: the document's error for an update that conflicts with it; the
    ///   document is unchanged.
    public func applyRemoteUpdate(_ update: ParsedUpdate) throws {
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
        if let edit = localEdit, event.isLocal, event.origin == nil, styleRuns.isPlain {
            localEdit = nil
            takeLocalEdit(edit)
            return
        }
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
                let count = Self.utf16Length(of: text)
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
        textAtStart = nil
        if styleRuns.length != ytext.length { styleRuns = Self.read(ytext).styles }
        guard !edits.isEmpty else {
            // Formatting only: nothing moves, the next frame draws the new style.
            onChange?(DocumentChange(edits: [], isLocal: !Self.isRemote(event.origin) && event.isLocal))
            return
        }
        let isLocal = event.isLocal && !Self.isRemote(event.origin)
        if isLocal { lastChangeEnd = index }
        onChange?(DocumentChange(edits: edits, isLocal: isLocal))
    }

    /// `replace`'s own transaction on unformatted text: its delete and its insert
    /// (which takes the formatting on its left: none) are the whole change. With
    /// formatting, the delta says which style the inserted text took.
    private func takeLocalEdit(_ edit: TextEdit) {
        let inserted = Self.utf16Length(of: edit.replacement)
        styleRuns.delete(edit.range)
        styleRuns.insert(inserted, style: [], at: edit.range.lowerBound)
        textAtStart = nil
        if styleRuns.length != ytext.length { styleRuns = Self.read(ytext).styles }
        lastChangeEnd = edit.range.lowerBound + inserted
        onChange?(DocumentChange(edits: [edit], isLocal: true))
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

    /// A string's UTF-16 length from its UTF-8 bytes, without the index
    /// bookkeeping `utf16.count` builds for a large non-ASCII string.
    static func utf16Length(of string: String) -> Int {
        var string = string
        return string.withUTF8 { bytes in
            var units = 0
            for byte in bytes where byte & 0xC0 != 0x80 { units += byte >= 0xF0 ? 2 : 1 }
            return units
        }
    }

    /// The formatting and the text (embeds as U+FFFC, one unit each as Yjs counts
    /// them), in one walk of the `Y.Text`.
    private static func read(_ text: YText) -> (styles: StyleRuns, text: String) {
        let delta = text.toDelta()
        var pieces: [(length: Int, style: TextStyle)] = []
        var strings: [String] = []
        for op in delta {
            switch op {
            case let .insert(string, attributes):
                pieces.append((Self.utf16Length(of: string), style([], changedBy: attributes)))
                strings.append(string)
            case let .embed(_, attributes):
                pieces.append((1, style([], changedBy: attributes)))
                strings.append("\u{FFFC}")
            case .retain, .delete:
                break
            }
        }
        return (StyleRuns(pieces), strings.count == 1 ? strings[0] : strings.joined())
    }
}
