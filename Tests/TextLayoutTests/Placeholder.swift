import XCTest

final class TextLayoutTestsPlaceholder: XCTestCase {}
