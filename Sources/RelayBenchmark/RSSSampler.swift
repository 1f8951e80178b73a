/// Samples a process's resident set every second until `finish()`.
final class RSSSampler {
    private let task: Task<[Int], Never>

    init(pid: Int32) {
        task = Task {
            var samples: [Int] = []
            while !Task.isCancelled {
                if let stats = try? ProcessStats.read(pid: pid) { samples.append(stats.rssBytes) }
                try? await Task.sleep(for: .seconds(1))
            }
            return samples
        }
    }

    /// Stops sampling and returns the samples in bytes, one a second.
    func finish() async -> [Int] {
        task.cancel()
        return await task.value
    }
}
