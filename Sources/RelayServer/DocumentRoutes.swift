import Foundation
import Hummingbird
import Logging

/// `GET/PUT /api/documents/{id}/yjs`: the merged Yjs state of a document.
/// (Wired to the store once YCRDT's `YUpdate` lands.)
struct DocumentRoutes: Sendable {
    let configuration: RelayConfiguration
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {}
}
