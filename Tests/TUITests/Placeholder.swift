import XCTest

final class TUITestsPlaceholder: XCTestCase {}
