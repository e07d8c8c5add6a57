/// Where rendered text goes, a piece at a time, so a provider's 40 MB zone file or 90 MB JSON
/// document is written as it is made instead of held whole. Returns false when the text could
/// not be taken (a closed pipe, a full disk): the renderer stops and reports false too.
public typealias TextSink = (String) -> Bool

/// The text a streaming renderer makes, collected: for callers that need it whole (files
/// compared with what is on disk, tests).
public func collectText(_ render: (TextSink) -> Bool) -> String {
    var text = ""
    _ = render { piece in
        text += piece
        return true
    }
    return text
}
