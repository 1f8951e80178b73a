/// Mixed Arabic/English lines: numbers, punctuation, brackets, harakat, lam-alef,
/// emoji, wide characters, tabs.
enum Corpus {
    static let lines: [String] = [
        "Hello مرحبا بالعالم 123!",
        "(مثال) text",
        "لا إله إلا الله abc",
        "السَّلامُ عَلَيْكُمْ ورحمة الله",
        "The price is 25.50 دولار (تقريبا) today.",
        "في عام 2024 كتب [أحمد] 3 كتب: «الأول» و«الثاني».",
        "email: user@example.com — بريد إلكتروني",
        "قال: \"hello, world!\" ثم ذهب.",
        "😀 مرحبا 👍🏽 friends 中文",
        "1 + 2 = 3 واحد زائد اثنين",
        "أرقام عربية ١٢٣٤ و 5678 مختلطة",
        "a(b)c د(هـ)و",
        "   مسافات في البداية والنهاية   ",
        "Mixed English first then عربي ثم English again then عربي.",
        "tab\tفاصل\tseparated",
        "كَتَبَ الطَّالِبُ الدَّرْسَ في الكُرّاسةِ {مع} <ملاحظات>",
        "no arabic at all, just ASCII (and brackets).",
        "",
        "123 456",
        "مرحبا"
    ]
}
