import XCTest

final class YCRDTTestsPlaceholder: XCTestCase {}
