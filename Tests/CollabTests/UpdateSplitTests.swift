import XCTest
import YCRDT

/// `YUpdate.split`: parts that fit the limit, each valid alone, together the same document.
final class UpdateSplitTests: XCTestCase {
    /// Arabic, English, emoji (surrogate pairs) and combining marks, long enough to need many parts.
    func makeDoc(clientID: ClientID = 7, paragraphs: Int = 200) -> Doc {
        let doc = Doc(clientID: clientID)
        let text = doc.getText("content")
        for i in 0..<paragraphs {
            text.insert("فقرة \(i): مَرْحَبًا بالعالم — hello world 👍🏽😀 \n", at: text.length)
        }
        return doc
    }

    func apply(_ parts: [[UInt8]]) throws -> Doc {
        let doc = Doc(clientID: 999)
        for part in parts { try doc.applyUpdate(part) }
        return doc
    }

    func testSmallUpdatesAreLeftAlone() throws {
        let doc = makeDoc(paragraphs: 1)
        let update = try doc.encodeStateAsUpdate()
        XCTAssertEqual(try YUpdate.split(update, maxBytes: 10_000), [update])
    }

    func testPartsFitAndRebuildTheSameDocument() throws {
        let source = makeDoc()
        let update = try source.encodeStateAsUpdate()
        XCTAssertGreaterThan(update.count, 10_000)
        for limit in [200, 1000, 4096] {
            let parts = try YUpdate.split(update, maxBytes: limit)
            XCTAssertGreaterThan(parts.count, update.count / limit, "limit \(limit)")
            for part in parts {
                XCTAssertLessThanOrEqual(part.count, limit)
                XCTAssertNoThrow(try YUpdate.validate(part))
            }
            let rebuilt = try apply(parts)
            XCTAssertEqual(rebuilt.getText().toString(), source.getText().toString(), "limit \(limit)")
            XCTAssertFalse(rebuilt.hasPending)
            XCTAssertFalse(rebuilt.getText().toString().contains("\u{FFFD}"), "a surrogate pair was cut")
        }
    }

    func testPartsAppliedOutOfOrderStillConverge() throws {
        let source = makeDoc(paragraphs: 50)
        let parts = try YUpdate.split(try source.encodeStateAsUpdate(), maxBytes: 300)
        XCTAssertGreaterThan(parts.count, 5)
        let rebuilt = try apply(parts.reversed())
        XCTAssertEqual(rebuilt.getText().toString(), source.getText().toString())
    }

    func testOneHugeInsertIsCutIntoPieces() throws {
        let doc = Doc(clientID: 3)
        let big = String(repeating: "كتابة 😀 writing ", count: 5000)
        doc.getText().insert(big, at: 0)
        let update = try doc.encodeStateAsUpdate()
        let parts = try YUpdate.split(update, maxBytes: 2048)
        XCTAssertGreaterThan(parts.count, update.count / 2048)
        XCTAssertTrue(parts.allSatisfy { $0.count <= 2048 })
        let rebuilt = try apply(parts)
        XCTAssertEqual(rebuilt.getText().toString(), big)
    }

    func testDeletionsAndSeveralClientsSurvive() throws {
        let a = makeDoc(clientID: 1, paragraphs: 60)
        let b = Doc(clientID: 2)
        try b.applyUpdate(try a.encodeStateAsUpdate())
        // Many scattered deletions make a large delete set.
        let text = b.getText()
        var index = 0
        while index + 3 < text.length {
            text.delete(at: index, length: 2)
            index += 7
        }
        text.insert("آخر سطر", at: 0)
        let update = try b.encodeStateAsUpdate()
        let parts = try YUpdate.split(update, maxBytes: 256)
        XCTAssertTrue(parts.allSatisfy { $0.count <= 256 })
        let rebuilt = try apply(parts)
        XCTAssertEqual(rebuilt.getText().toString(), text.toString())
        // YText holds its Doc weakly: keep the docs alive until the texts are read.
        withExtendedLifetime((a, b)) {}
    }

    func testMalformedInputAndTinyLimitsAreRefused() throws {
        XCTAssertThrowsError(try YUpdate.split([1, 2, 3], maxBytes: 1000))
        let doc = makeDoc(paragraphs: 1)
        XCTAssertThrowsError(try YUpdate.split(try doc.encodeStateAsUpdate(), maxBytes: 10))
    }
}
