import XCTest
import YCRDT

@testable import Persistence

/// `StoredState.verifiedOwnState`, the check a save makes when the store holds
/// only what the saving replica contains.
final class StoredStateTests: XCTestCase {
    /// A document typed in several transactions, Arabic and English, with deletions.
    private func typed() throws -> (doc: Doc, updates: [[UInt8]]) {
        let doc = Doc(clientID: 7)
        var updates: [[UInt8]] = []
        let observer = doc.onUpdate { update, _ in updates.append(update) }
        defer { doc.removeObserver(observer) }
        let text = doc.getText()
        for word in ["salaam ", "سلام ", "peace ", "عليكم"] { text.insert(word, at: text.length) }
        text.delete(at: 2, length: 3)
        return (doc, updates)
    }

    func testAStateThatEncodesBackToItselfIsWrittenAsItIs() throws {
        let (doc, _) = try typed()
        let state = try doc.encodeStateAsUpdate()
        let written = try StoredState.verifiedOwnState(state)
        XCTAssertEqual(written, state)
        let reopened = try StoredState.document(from: [written])
        XCTAssertEqual(reopened.getText().toString(), doc.getText().toString())
    }

    func testAStateInAnotherEncodingIsCheckedTheLongWayAndWrittenAsTheDocumentEncodes() throws {
        let (doc, updates) = try typed()
        // The updates merged byte-wise keep one struct per transaction, where the
        // document's own encoding has merged them: the same content, other bytes.
        let merged = try YUpdate.merge(updates)
        let canonical = try doc.encodeStateAsUpdate()
        XCTAssertNotEqual(merged, canonical, "the test needs a state that is not the document's own encoding")
        let written = try StoredState.verifiedOwnState(merged)
        XCTAssertEqual(written, canonical)
    }

    func testAStateThatDoesNotLoadIsRefused() throws {
        let state = try typed().doc.encodeStateAsUpdate()
        XCTAssertThrowsError(try StoredState.verifiedOwnState(Array(state.dropLast(4)))) { error in
            guard case StoredStateError.refusedUpdate = error else { return XCTFail("\(error)") }
        }
    }
}
