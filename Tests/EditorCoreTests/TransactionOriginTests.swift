import EditorCore
import XCTest
import YCRDT

/// One typed origin (`TransactionOrigin.remote`) for what arrives from another
/// replica: it was spelled two ways, so a remote update could be taken for a
/// local one and sent back out or undone.
final class TransactionOriginTests: XCTestCase {
    func testARemoteUpdateIsNeitherSentBackNorUndoneAndATypedKeyIsSent() throws {
        let amira = TestEditor("", clientID: 1)
        let ben = TestEditor("", clientID: 2)
        ben.type("hello")
        try ben.send(to: amira)
        XCTAssertEqual(amira.text, "hello")
        XCTAssertTrue(amira.sentUpdates.isEmpty, "a remote update went back out")
        amira.type("!")
        XCTAssertEqual(amira.sentUpdates.count, 1, "a typed key is sent once")
        amira.press("Ctrl-Z")
        amira.press("Ctrl-Z")
        XCTAssertEqual(amira.text, "hello", "undo takes back only amira's own key")
    }

    func testTheOriginIsRecognisedWhereverItIsApplied() throws {
        let doc = Doc(clientID: 5)
        var origins: [AnyHashable?] = []
        _ = doc.onUpdate { _, origin in origins.append(origin) }
        let other = Doc(clientID: 6)
        other.getText("content").insert("x", at: 0)
        // The session's initial state is applied this way before the editor wraps the Doc.
        try doc.applyUpdate(try other.encodeStateAsUpdate(), origin: TransactionOrigin.remote)
        doc.getText("content").insert("y", at: 0)
        XCTAssertEqual(origins.map(YTextDocument.isRemote), [true, false])
    }
}
