import Foundation

/// CPU time and memory of a process, read from `/proc/<pid>/stat` and `/proc/<pid>/status`.
struct ProcessStats {
    /// User plus system CPU seconds since the process started.
    var cpuSeconds: Double
    /// Resident set size now (`VmRSS`), in bytes.
    var rssBytes: Int
    /// The highest resident set size so far (`VmHWM`), in bytes.
    var peakRSSBytes: Int

    private static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// - Parameter pid: a process id, or `nil` for this process.
    static func read(pid: Int32?) throws -> ProcessStats {
        let directory = pid.map { "/proc/\($0)" } ?? "/proc/self"
        guard let stat = try? String(contentsOfFile: "\(directory)/stat", encoding: .utf8),
            let status = try? String(contentsOfFile: "\(directory)/status", encoding: .utf8)
        else {
            throw BenchmarkError.procUnavailable("\(directory) is not readable (has the process exited?)")
        }
        // The command name in parentheses may hold spaces; fields are counted after it.
        guard let close = stat.lastIndex(of: ")") else {
            throw BenchmarkError.procUnavailable("\(directory)/stat has no command field")
        }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw BenchmarkError.procUnavailable("\(directory)/stat has no utime/stime")
        }
        return ProcessStats(
            cpuSeconds: (user + system) / ticksPerSecond,
            rssBytes: kilobytes("VmRSS:", in: status) * 1024,
            peakRSSBytes: kilobytes("VmHWM:", in: status) * 1024)
    }

    private static func kilobytes(_ key: String, in status: String) -> Int {
        for line in status.split(separator: "\n") where line.hasPrefix(key) {
            let number = line.dropFirst(key.count).split(separator: " ").first { !$0.isEmpty && $0 != "\t" }
            return number.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 0
        }
        return 0
    }
}
