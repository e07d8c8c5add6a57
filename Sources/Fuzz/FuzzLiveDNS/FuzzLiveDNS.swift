import DaneModel
import Foundation

/// Fuzz target: DNS data from hostile servers (RDATA of every type as wire bytes) and the
/// live texts verify parses (TLSA presentation form, TLS-RPT records). Nothing may crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLiveDNS(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    guard let first = bytes.first else { return 0 }
    let body = Array(bytes.dropFirst())
    for type in [
        RRType.a, .aaaa, .ns, .cname, .soa, .mx, .txt, .tlsa, .rrsig, .dnskey, .ds, RRType(rawValue: UInt16(first)),
    ] {
        _ = RecordData(type: type, wire: body).presentation
    }
    let text = String(decoding: body, as: UTF8.self)
    _ = try? TLSARecordData(presentation: text)
    _ = try? TLSRPTPolicy(recordText: text)
    _ = TXTCharacterStrings.parse(text)
    _ = TerminalText.visible(text)
    return 0
}

#if !FUZZING
    import FuzzReplay

    /// Without libFuzzer (a normal build): `FuzzLiveDNS CORPUS-FILE...` replays files.
    @main
    enum Replay {
        static func main() { replayFiles(CommandLine.arguments.dropFirst(), through: fuzzLiveDNS) }
    }
#endif
