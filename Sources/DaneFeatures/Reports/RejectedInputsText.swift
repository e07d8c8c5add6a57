import DaneModel
import FoundationEssentials
import ReportStore

/// `reports rejected`'s listing: one entry per input kept aside, newest first, with every
/// sender-supplied text made safe for a terminal.
public enum RejectedInputsText {
    public static func listing(_ inputs: [ReportStore.RejectedInput]) -> String {
        guard !inputs.isEmpty else { return "No input was kept aside.\n" }
        return inputs.map { input in
            "\(input.id)  \(RFC3339.string(input.receivedAt))  \(input.size) bytes  "
                + "\(TerminalText.visible(input.source, limit: 120))\n"
                + "    \(TerminalText.visible(input.reason, limit: 400))\n"
        }.joined()
    }
}
