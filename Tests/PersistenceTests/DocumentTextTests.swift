import DocumentStorage
import Foundation
import SQLiteStore
import XCTest
import YCRDT

@testable import Persistence

final class DocumentTextTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    func testImportThenExportRoundTripsArabicAndEnglish() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "roundtrip")
        let text = "السلام عليكم\nHello, world 👋\r\nالسطر الثالث"
        let outcome = try await DocumentText.importText(Array(text.utf8), into: document, store: store)
        guard case .replaced = outcome else { return XCTFail("got \(outcome)") }
        let exported = try await DocumentText.export(document, from: store)
        XCTAssertEqual(exported, text)
    }

    func testImportReplacesTheTextAndKeepsOtherRootTypes() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "replace")
        // A web client's document: the text plus another root text it owns.
        let web = Doc()
        web.getText("content").insert("old text", at: 0)
        web.getText("notes").insert("kept", at: 0)
        let state = try web.encodeStateAsUpdate()
        try await store.save(document) { _ in state }

        try await DocumentText.importText(Array("new text".utf8), into: document, store: store)
        let exported = try await DocumentText.export(document, from: store)
        XCTAssertEqual(exported, "new text")

        let rows = try await store.load(document)
        XCTAssertEqual(rows.count, 1)
        let reloaded = Doc()
        for row in rows { try reloaded.applyUpdate(row) }
        XCTAssertEqual(reloaded.getText("notes").toString(), "kept")

        // The web client merging the saved state sees the replacement too.
        try web.applyUpdate(try XCTUnwrap(rows.first))
        XCTAssertEqual(web.getText("content").toString(), "new text")
    }

    func testImportingTheSameTextWritesNothing() async throws {
        let store = CountingStore(try await directory.sqliteStore())
        let document = DocumentID(name: "same")
        try await DocumentText.importText(Array("same".utf8), into: document, store: store)
        let before = try await store.load(document)
        let outcome = try await DocumentText.importText(Array("same".utf8), into: document, store: store)
        XCTAssertEqual(outcome, .unchanged)
        let after = try await store.load(document)
        XCTAssertEqual(before, after)
    }

    func testInvalidUTF8IsRefusedAndNothingIsWritten() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "invalid")
        try await DocumentText.importText(Array("original".utf8), into: document, store: store)
        let bad = Array("abc".utf8) + [0xD8] + Array("def".utf8)  // a lone lead byte
        do {
            try await DocumentText.importText(bad, into: document, store: store)
            XCTFail("invalid UTF-8 must be refused")
        } catch let error as DocumentTextError {
            XCTAssertEqual(error, .invalidUTF8(offset: 3))
            XCTAssertTrue(error.description.contains("Nothing was imported"))
        }
        let exported = try await DocumentText.export(document, from: store)
        XCTAssertEqual(exported, "original")
        // Overlong encodings and surrogates are not UTF-8 either.
        for invalid: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]] {
            XCTAssertThrowsError(try DocumentText.decodeUTF8(invalid))
        }
    }

    func testExportOfAnUnknownDocumentSaysSo() async throws {
        let store = try await directory.sqliteStore()
        do {
            _ = try await DocumentText.export(DocumentID(name: "never-saved"), from: store)
            XCTFail("exporting a document that does not exist must fail")
        } catch let error as DocumentTextError {
            XCTAssertEqual(error, .notFound(document: "never-saved"))
        }
    }

    func testExportOfADamagedStateIsAClearError() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "damaged")
        try await store.save(document) { _ in [0xFF, 0xFF, 0xFF] }
        do {
            _ = try await DocumentText.export(document, from: store)
            XCTFail("a damaged state must fail")
        } catch let error as DocumentTextError {
            guard case .damaged = error else { return XCTFail("got \(error)") }
        }
    }
}
