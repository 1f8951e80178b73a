/// A caller suspended in `SupabaseProvider.waitUntil` until `condition` holds.
struct ProviderWaiter {
    let condition: @Sendable (isolated SupabaseProvider) -> Bool
    let continuation: CheckedContinuation<Void, Never>
}
