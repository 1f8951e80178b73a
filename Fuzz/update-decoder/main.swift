// libFuzzer harness for YCRDT's decoders, compiled into the same module as
// Sources/YCRDT (build.sh), so internal decoders are reachable too.
//
// Every input is fed to each decoder. Throwing is fine (that is the point of
// bad input); crashing, hanging, or a throw that leaves a document changed is a
// finding: a trap here is reported by libFuzzer with the input that caused it.

/// A document with content from two clients, formatting and deletions, built
/// once; each input gets a fresh copy loaded from its state.
private let baseState: [UInt8] = {
    let a = Doc(clientID: 7, gc: true)
    let text = a.getText("content")
    text.insert("سَلامٌ hello 😀", at: 0)
    text.format(at: 2, length: 5, attributes: ["bold": .bool(true)])
    text.delete(at: 1, length: 2)
    let b = Doc(clientID: 1_000_000_007, gc: false)
    // A failure here is a defect of the fixture, not of the input: stop loudly.
    guard (try? b.applyUpdate(a.encodeStateAsUpdate())) != nil else { fatalError("fixture: cannot load state") }
    b.getText("content").insert("end", at: b.getText("content").length)
    b.getText("notes").insert("n", at: 0)
    guard let state = try? b.encodeStateAsUpdate() else { fatalError("fixture: cannot encode state") }
    return state
}()

/// The observable state of a doc: full state, state vector, the content of every root,
/// pending flag.
private struct Fingerprint: Equatable {
    var state: [UInt8]
    var stateVector: [UInt8]
    var content: ContentDigest
    var pending: Bool

    init(_ doc: Doc) {
        state = (try? doc.encodeStateAsUpdate()) ?? []
        stateVector = doc.encodeStateVector()
        content = doc.contentDigest()
        pending = doc.hasPending
    }
}

/// Applies `bytes` to `doc`. When that throws, the doc must be exactly as before. When it
/// is accepted, the doc's encoded state must load into a fresh doc with the same content
/// in every root and the same state vector (what a save followed by a reopen shows), and
/// applying the same bytes again must be accepted and change nothing visible.
private func applyChecked(_ bytes: [UInt8], to doc: Doc, _ what: String) {
    let before = Fingerprint(doc)
    do {
        try doc.applyUpdate(bytes)
    } catch {
        let after = Fingerprint(doc)
        precondition(after == before, "\(what): applyUpdate threw (\(error)) but changed the doc")
        return
    }
    let content = doc.contentDigest()
    let stateVector = doc.encodeStateVector()
    guard let state = try? doc.encodeStateAsUpdate() else { preconditionFailure("\(what): cannot encode the state") }
    let reloaded = Doc(clientID: 9, gc: doc.gc)
    do { try reloaded.applyUpdate(state) } catch {
        preconditionFailure("\(what): the state of a doc that accepted the input does not load: \(error)")
    }
    precondition(reloaded.contentDigest() == content, "\(what): the reloaded state shows other content")
    precondition(reloaded.encodeStateVector() == stateVector, "\(what): the reloaded state has another state vector")
    do { try doc.applyUpdate(bytes) } catch {
        preconditionFailure("\(what): the same update, accepted once, is refused the second time: \(error)")
    }
    precondition(doc.contentDigest() == content, "\(what): applying an accepted update twice changed the content")
    precondition(doc.encodeStateVector() == stateVector, "\(what): applying an accepted update twice moved the state")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))

    // Update decoding and validation.
    _ = try? YUpdate.validate(bytes)
    _ = try? YUpdate.stateVector(of: bytes)

    // Applying to a fresh doc and to a doc with content.
    applyChecked(bytes, to: Doc(clientID: 3, gc: true), "fresh doc")
    let withContent = Doc(clientID: 5, gc: false)
    if (try? withContent.applyUpdate(baseState)) != nil {
        applyChecked(bytes, to: withContent, "doc with content")
    }

    // Merging and diffing, the input as update and as state vector. The merged result is
    // applied too (it must not crash). Applying a merge is not asserted to equal applying
    // its parts: a merge keeps one of two structs that share an id, and structs that are
    // the same for a document (a range collected on one side, U+FFFD for a surrogate half)
    // are not the same bytes, so a raw merge is never what decides a document's content;
    // the round trip through a document is (applyChecked).
    _ = try? YUpdate.merge([bytes])
    if let merged = try? YUpdate.merge([baseState, bytes]) {
        _ = try? Doc(clientID: 15).applyUpdate(merged)
    }
    _ = try? YUpdate.diff(bytes, against: [0])
    _ = try? YUpdate.diff(baseState, against: bytes)
    if let sv = try? YUpdate.stateVector(of: baseState) {
        _ = try? YUpdate.diff(bytes, against: sv)
    }
    let fromSV = Doc(clientID: 11)
    if (try? fromSV.applyUpdate(baseState)) != nil {
        _ = try? fromSV.encodeStateAsUpdate(since: bytes)
    }

    fuzzProtocolDecoders(bytes)
    return 0
}

/// The y-protocols codecs: sync messages, provider framing, awareness updates.
/// Whatever decodes must re-encode to the same bytes (they have one encoding).
private func fuzzProtocolDecoders(_ bytes: [UInt8]) {
    if let message = try? SyncMessage.decode(bytes) {
        precondition(message.encode() == bytes, "SyncMessage does not round-trip")
        let doc = Doc(clientID: 13)
        _ = try? message.reply(from: doc)
    }
    if let message = try? ProviderMessage.decode(bytes) {
        _ = message.encode()
    }
    if let awareness = try? AwarenessUpdate.decode(bytes) {
        let again = try? AwarenessUpdate.decode(awareness.encode())
        precondition(again == awareness, "AwarenessUpdate does not round-trip")
    }
}
