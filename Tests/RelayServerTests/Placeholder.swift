import XCTest

final class RelayServerTestsPlaceholder: XCTestCase {}
