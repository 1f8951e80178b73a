/// A one-shot signal carrying a value: tasks wait until the driver opens it.
actor Gate<Value: Sendable> {
    private var value: Value?
    private var waiters: [CheckedContinuation<Value, Never>] = []

    func wait() async -> Value {
        if let value { return value }
        return await withCheckedContinuation { waiters.append($0) }
    }

    /// Opens the gate; later calls change nothing.
    func open(_ newValue: Value) {
        guard value == nil else { return }
        value = newValue
        let pending = waiters
        waiters = []
        for waiter in pending { waiter.resume(returning: newValue) }
    }
}
