import XCTest

@testable import YCRDT

/// `Doc.contentDigest()` sees what a document shows in every root, and nothing of how it
/// is stored.
final class ContentDigestTests: XCTestCase {
    func testSHA256KnownAnswers() {
        func sha(_ s: String) -> String {
            var h = SHA256()
            h.update(Array(s.utf8))
            return ContentDigest(bytes: h.finalize()).description
        }
        XCTAssertEqual(sha(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(sha("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(
            sha(String(repeating: "a", count: 1_000_000)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testSameTextBuiltDifferentlyHasTheSameDigest() throws {
        let typed = Doc(clientID: 1)
        for (i, c) in "hello مرحبا 😀".enumerated() {
            typed.getText().insert(String(c), at: i == 0 ? 0 : typed.getText().length)
        }
        let pasted = Doc(clientID: 2, gc: false)
        pasted.getText().insert("XXhello مرحبا 😀", at: 0)
        pasted.getText().delete(at: 0, length: 2)
        XCTAssertEqual(typed.getText().toString(), pasted.getText().toString())
        XCTAssertEqual(typed.contentDigest(), pasted.contentDigest())
        XCTAssertTrue(typed.hasSameContent(as: pasted))

        // Loaded from its own state, without ever asking for the root as text.
        let loaded = Doc(clientID: 3)
        try loaded.applyUpdate(try typed.encodeStateAsUpdate())
        XCTAssertEqual(loaded.contentDigest(), typed.contentDigest())
        // An empty root asked for counts as absent.
        _ = loaded.getText("empty")
        XCTAssertEqual(loaded.contentDigest(), typed.contentDigest())
    }

    func testEveryRootAndTheFormattingCount() throws {
        let a = Doc(clientID: 1)
        a.getText().insert("hello", at: 0)
        let base = a.contentDigest()
        a.getText("notes").insert("n", at: 0)
        let withNotes = a.contentDigest()
        XCTAssertNotEqual(base, withNotes, "a second root is content")
        a.getText().format(at: 1, length: 2, attributes: ["bold": .bool(true)])
        let bold = a.contentDigest()
        XCTAssertNotEqual(withNotes, bold, "formatting is content")
        a.getText().format(at: 1, length: 2, attributes: ["bold": .null])
        XCTAssertEqual(a.contentDigest(), withNotes, "removing the format restores the digest")

        // Formatting the same range twice leaves redundant format items; same digest.
        let b = Doc(clientID: 2)
        b.getText().insert("hello", at: 0)
        b.getText("notes").insert("n", at: 0)
        b.getText().format(at: 1, length: 2, attributes: ["bold": .bool(true)])
        let once = b.contentDigest()
        b.getText().format(at: 1, length: 1, attributes: ["bold": .bool(true)])
        XCTAssertEqual(b.contentDigest(), once)
        XCTAssertEqual(once, bold)
    }

    /// Maps, arrays, XML and nested types from the Yjs vectors: a doc loaded from the final
    /// state equals one fed the updates one by one, and every case differs from the others.
    func testNonTextRootsFromTheVectors() throws {
        var byContent: [String: (ContentDigest, String)] = [:]
        for c in try Vectors.load("updates.json")["cases"]!.arrayValue {
            let name = c["name"]!.stringValue!
            let gc = c["gc"]?.boolValue ?? true
            let stepwise = Doc(clientID: 999, gc: gc)
            for u in c["updates"]!.arrayValue { try stepwise.applyUpdate(hex(u["hex"]!.stringValue!)) }
            let whole = Doc(clientID: 998, gc: gc)
            try whole.applyUpdate(hex(c["state_as_update"]!.stringValue!))
            XCTAssertEqual(stepwise.contentDigest(), whole.contentDigest(), name)
            // What Yjs reported as the final content of each root it recorded.
            let shown = ["final_delta", "final_map", "final_array", "final_xml"].map { key in
                c[key].map { JSONText.stringify($0) ?? "" } ?? "-"
            }.joined(separator: "|")
            let digest = whole.contentDigest()
            for (otherShown, (otherDigest, otherName)) in byContent where otherShown != shown {
                XCTAssertNotEqual(digest, otherDigest, "\(name) and \(otherName) show different content")
            }
            byContent[shown] = (digest, name)
        }
        // A map value changed is a different digest.
        let map = try Vectors.load("updates.json")["cases"]!.arrayValue.first {
            $0["name"]?.stringValue == "map_beside_text"
        }!
        let doc = Doc(clientID: 5)
        try doc.applyUpdate(hex(map["state_as_update"]!.stringValue!))
        let before = doc.contentDigest()
        let key = doc.share.values.compactMap { $0.map.keys.first }.first!
        let branch = doc.share.values.first { !$0.map.isEmpty }!
        let other = Doc(clientID: 6)
        try other.applyUpdate(hex(map["state_as_update"]!.stringValue!))
        // Overwrite the key locally with another value.
        other.transact { txn in
            let target = other.share.values.first { !$0.map.isEmpty }!
            let left = target.map[key]
            let item = Item(
                id: ID(client: other.clientID, clock: other.store.state(other.clientID)), length: 1,
                origin: left?.lastID, left: left, rightOrigin: nil, right: nil, parent: target, parentSub: key,
                content: .any([AnyCodec.encode(.string("changed"))]))
            item.integrate(txn)
        }
        XCTAssertNotEqual(other.contentDigest(), before)
        XCTAssertFalse(branch.map.isEmpty)
    }
}
