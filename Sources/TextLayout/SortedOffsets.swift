extension Array where Element == Int {
    /// In an ascending array, the index of the last element at most `value` among
    /// indices `0...last`; 0 when even the first is above it. Binary search, as the
    /// paragraph starts and cluster starts are long sorted lists.
    func lastIndex(atMost value: Int, through last: Int) -> Int {
        var low = 0
        var high = last
        while low < high {
            let mid = (low + high + 1) / 2
            if self[mid] <= value { low = mid } else { high = mid - 1 }
        }
        return low
    }
}
