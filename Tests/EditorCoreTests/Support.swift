import EditorCore
import TextLayout
import XCTest
import YCRDT

/// An editor state on a real Yjs document, as `qalam edit` runs it, with what it
/// sends out recorded.
final class TestEditor {
    let document: YTextDocument
    let state: EditorState
    /// Every local update the document produced (what would be sent).
    private(set) var sentUpdates: [[UInt8]] = []
    /// Every caret/selection report (what would go out as awareness).
    private(set) var sharedSelections: [SharedSelection] = []

    init(_ text: String = "", clientID: UInt64 = 1, width: Int = 40, height: Int = 10) {
        let doc = Doc(clientID: clientID)
        document = YTextDocument(doc: doc)
        if !text.isEmpty { document.ytext.insert(text, at: 0) }
        document.undoManager.clear()
        state = EditorState(document: document, options: LayoutOptions(width: width), height: height)
        _ = doc.onUpdate { [weak self] update, origin in
            if !YTextDocument.isRemote(origin) { self?.sentUpdates.append(update) }
        }
        state.onSelectionMoved = { [weak self] selection in self?.sharedSelections.append(selection) }
    }

    var text: String { document.text }

    func type(_ text: String) {
        for character in text { state.handle(.character(character)) }
    }

    @discardableResult
    func press(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> EditorEffect {
        guard let chord = KeyChord(name: name) else {
            XCTFail("no key named \(name)", file: file, line: line)
            return .none
        }
        return state.handle(.key(chord))
    }

    /// Everything this replica has that `other` lacks, applied there as remote.
    func send(to other: TestEditor) throws {
        let update = try document.doc.encodeStateAsUpdate(since: other.document.doc.encodeStateVector())
        try other.document.applyRemoteUpdate(update)
    }

    /// Where a shared selection resolves in this editor's document.
    func resolve(_ selection: SharedSelection) -> (anchor: Int?, head: Int?) {
        (document.resolve(selection.anchor), document.resolve(selection.head))
    }
}

/// The repository's root, for files tests compare against (README.md).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
