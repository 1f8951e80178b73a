import Foundation

/// The server side of `--exit-with-parent`: exit once stdin reaches end of file,
/// which happens when the driver that started this process is gone.
enum ParentWatch {
    static func exitWhenStdinCloses() {
        Thread.detachNewThread {
            while !FileHandle.standardInput.availableData.isEmpty {}
            exit(0)
        }
    }
}
