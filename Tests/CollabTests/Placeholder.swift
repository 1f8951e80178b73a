import XCTest

final class CollabTestsPlaceholder: XCTestCase {}
