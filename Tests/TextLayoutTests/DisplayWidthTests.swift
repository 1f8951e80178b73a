import XCTest

@testable import TextLayout

final class DisplayWidthTests: XCTestCase {
    func testWidthsMatchWcwidthForTheCasesThatMatter() {
        XCTAssertEqual(DisplayWidth.of("a" as Unicode.Scalar), 1)
        XCTAssertEqual(DisplayWidth.of("\u{0628}" as Unicode.Scalar), 1, "Arabic letter")
        XCTAssertEqual(DisplayWidth.of("\u{FE91}" as Unicode.Scalar), 1, "Arabic presentation form")
        XCTAssertEqual(DisplayWidth.of("\u{FEFB}" as Unicode.Scalar), 1, "lam-alef ligature")
        for haraka in [0x064B, 0x064E, 0x0650, 0x0651, 0x0652, 0x0670] {
            XCTAssertEqual(DisplayWidth.of(Unicode.Scalar(UInt32(haraka))!), 0, "haraka U+\(String(haraka, radix: 16))")
        }
        for zeroWidth in [0x200C, 0x200D, 0x200E, 0x200F, 0x061C, 0xFEFF] {
            XCTAssertEqual(DisplayWidth.of(Unicode.Scalar(UInt32(zeroWidth))!), 0, "U+\(String(zeroWidth, radix: 16))")
        }
        XCTAssertEqual(DisplayWidth.of("\u{0640}" as Unicode.Scalar), 1, "tatweel")
        XCTAssertEqual(DisplayWidth.of("😀" as Unicode.Scalar), 2, "emoji")
        XCTAssertEqual(DisplayWidth.of("中" as Unicode.Scalar), 2, "CJK")
        XCTAssertEqual(DisplayWidth.of("\u{07}" as Unicode.Scalar), -1, "control")
    }

    func testStringWidthCountsControlsAsOneCell() {
        XCTAssertEqual(DisplayWidth.of("سَلامٌ"), 4)
        XCTAssertEqual(DisplayWidth.of("a😀b"), 4)
        XCTAssertEqual(DisplayWidth.of("a\u{01}b"), 3)
    }
}
