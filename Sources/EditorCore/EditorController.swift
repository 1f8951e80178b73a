import Foundation
import TextLayout

/// An editor state wired to its backend: the caret goes out as awareness, Ctrl-S
/// asks for a save, events come in. The screen and the headless driver both run
/// one, so they behave alike down to the quit warning.
///
/// Use it from one thread (the front end's); `post` is what the backend calls
/// from anywhere, and the front end hands each posted event back to `apply`.
public final class EditorController {
    public let state: EditorState
    public let backend: EditorBackend

    /// - Parameters:
    ///   - readOnly: why the document may not be changed here (a viewer), or nil.
    public init(backend: EditorBackend, options: LayoutOptions, height: Int, readOnly: String? = nil) {
        self.backend = backend
        state = EditorState(document: backend.document, options: options, height: height)
        if let readOnly { state.setReadOnly(true, reason: readOnly) }
        state.onSelectionMoved = { [backend] selection in backend.selectionMoved(selection) }
        // The open's transient buffers are all freed by now: the session has loaded
        // and the layout has read the text.
        FreedMemory.returnToSystem()
    }

    /// Starts the backend; it posts events through `post`.
    public func start(post: @escaping @Sendable (EditorEvent) -> Void) {
        backend.start(post: post)
    }

    /// Applies one input. Returns false when the editor should close.
    @discardableResult
    public func handle(_ input: EditorInput) -> Bool {
        follow(state.handle(input))
    }

    /// Runs one action, as its key does. Returns false when the editor should close.
    @discardableResult
    public func perform(_ action: EditorAction) -> Bool {
        follow(state.perform(action))
    }

    private func follow(_ effect: EditorEffect) -> Bool {
        switch effect {
        case .none: return true
        case .save:
            backend.saveNow()
            return true
        case .quit: return false
        }
    }

    /// Takes in one event the backend posted.
    public func apply(_ event: EditorEvent, now: Date = Date()) {
        state.apply(event, applyUpdate: { [backend] in try backend.applyRemoteUpdate($0) }, now: now)
    }
}
