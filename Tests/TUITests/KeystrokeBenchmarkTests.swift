import XCTest
@testable import TUI

final class KeystrokeBenchmarkTests: XCTestCase {
    /// The hook runs the whole path (key, Yjs edit, layout, curses frame) on a
    /// headless screen; its figures are reported by benchmarks, not judged here.
    func testTheHookMeasuresTypingAtTheEndOfALargeDocument() throws {
        let result = try KeystrokeBenchmark.run(documentBytes: 100_000, keystrokes: 20, rows: 24, columns: 80)
        print(result)
        XCTAssertGreaterThan(result.documentUTF16, 50_000)
        XCTAssertEqual(result.keystrokes, 20)
        XCTAssertGreaterThan(result.medianMilliseconds, 0)
        XCTAssertLessThanOrEqual(result.medianMilliseconds, result.maxMilliseconds)
    }

    func testTheMixedDocumentHasEveryKindOfText() {
        let text = KeystrokeBenchmark.mixedDocument(bytes: 2_000)
        XCTAssertGreaterThanOrEqual(text.utf8.count, 2_000)
        XCTAssertTrue(text.contains("لا"))
        XCTAssertTrue(text.contains("😀"))
        XCTAssertTrue(text.unicodeScalars.contains { $0.value == 0x064E }, "harakat")
    }
}
