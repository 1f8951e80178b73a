import Foundation

/// The benchmark's text: paragraphs mixing Arabic (with harakat, lam-alef, Arabic
/// punctuation and Arabic-Indic digits) and English (numbers, brackets, quotes, the
/// odd emoji), generated from a fixed seed so every run measures the same bytes.
enum MixedDocument {
    private static let arabicWords = [
        "السَّلامُ", "عَلَيْكُمْ", "كِتَابٌ", "الْعَرَبِيَّةُ", "لا", "إِلَّا", "مَدْرَسَةٌ", "قَالَ", "الْقَلَمُ",
        "فِي", "مِنْ", "إِلَى", "الْمَحَرِّرُ", "النَّصُّ", "سَرِيعٌ", "جَمِيلٌ", "الْأَصْدِقَاءُ", "كتابة", "نص",
        "الشاشة", "تحرير", "مشترك", "الوثيقة", "الفقرة", "الأولى", "سلام", "لأن", "الإنترنت", "مؤتمر"
    ]
    private static let englishWords = [
        "the", "editor", "draft", "shared", "document", "with", "meeting", "notes", "and", "a", "terminal",
        "quick", "brown", "fox", "Yjs", "CRDT", "layout", "chapter", "section", "review", "of", "is"
    ]
    private static let numbers = ["12", "345", "2026", "3.14", "٢٠٢٦", "١٢", "٣٤٥", "#7", "50%", "1,000"]
    private static let arabicPunctuation = ["،", "؛", "؟", ".", "!", ":"]
    private static let englishPunctuation = [",", ";", "?", ".", "!", ":"]
    private static let decorations = ["(%@)", "«%@»", "\"%@\"", "[%@]", "%@ —", "%@ 😀"]

    /// At least `bytes` UTF-8 bytes of paragraphs, each ending in a newline.
    static func make(bytes: Int) -> String {
        var random = SplitMix(seed: 0x51A1A4)
        var text = ""
        text.reserveCapacity(bytes + 1024)
        while text.utf8.count < bytes {
            text += paragraph(&random) + "\n"
        }
        return text
    }

    /// The paragraphs of `make(bytes:)`, each with its newline, in order.
    static func paragraphs(of text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { $0 + "\n" }
    }

    /// One paragraph: 1 to 12 sentences, each mostly one script with runs of the
    /// other, as people write bilingual notes.
    private static func paragraph(_ random: inout SplitMix) -> String {
        var sentences: [String] = []
        for _ in 0..<(1 + random.next(12)) {
            let arabic = random.next(3) != 0
            var words: [String] = []
            for _ in 0..<(3 + random.next(14)) {
                let roll = random.next(20)
                var word: String
                if roll < 2 {
                    word = numbers[random.next(numbers.count)]
                } else if roll < 5 {
                    word =
                        (arabic ? englishWords : arabicWords)[
                            random.next(arabic ? englishWords.count : arabicWords.count)]
                } else {
                    word =
                        arabic
                        ? arabicWords[random.next(arabicWords.count)] : englishWords[random.next(englishWords.count)]
                }
                if random.next(15) == 0 {
                    let template = decorations[random.next(decorations.count)]
                    word = template.replacingOccurrences(of: "%@", with: word)
                }
                words.append(word)
            }
            let stops = arabic ? arabicPunctuation : englishPunctuation
            sentences.append(words.joined(separator: " ") + stops[random.next(stops.count)])
        }
        return sentences.joined(separator: " ")
    }
}

/// A small deterministic generator (SplitMix64), so the document does not depend
/// on the platform's random source.
struct SplitMix {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A value in `0..<bound` (bound > 0).
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z % UInt64(max(1, bound)))
    }
}
