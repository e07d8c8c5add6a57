import DaneModel
import Foundation

/// Fuzz target: what strangers send a domain's report address and policy host readers: TLS-RPT
/// reports as JSON, whole e-mails (MIME, base64, quoted-printable), MTA-STS policies and
/// records. Nothing may crash; a bad input is an error value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReport(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(UnsafeBufferPointer(start: start, count: count))
    _ = try? AggregateReport.decode(json: data)
    if ReportMail.looksLikeMail(data), let parts = try? ReportMail.reportParts(of: data) {
        for part in parts where !part.gzipped { _ = try? AggregateReport.decode(json: part.data) }
    }
    let text = String(decoding: data, as: UTF8.self)
    _ = try? MTASTSPolicy.parse(text)
    _ = try? MTASTSRecord.parse(text)
    _ = RFC3339.date(text)
    return 0
}

#if !FUZZING
    import FuzzReplay

    /// Without libFuzzer (a normal build): `FuzzReport CORPUS-FILE...` replays files.
    @main
    enum Replay {
        static func main() { replayFiles(CommandLine.arguments.dropFirst(), through: fuzzReport) }
    }
#endif
