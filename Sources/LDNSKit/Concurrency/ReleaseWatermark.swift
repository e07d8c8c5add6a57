import FoundationEssentials
import Synchronization

/// Gives back a mapped zone text behind the parsing threads: pieces finish out of order, and
/// the kernel maps pages around each one it reads (fault-around), so a piece's pages are only
/// released once every piece before it is done, and a margin behind the first unfinished one.
final class ReleaseWatermark: Sendable {
    private let state: Mutex<(done: [Bool], first: Int, released: Int)>
    private let starts: [Int]
    private let release: @Sendable (Range<Int>) -> Void
    private static let margin = 256 << 10

    init(pieceStarts: [Int], release: @escaping @Sendable (Range<Int>) -> Void) {
        starts = pieceStarts
        self.release = release
        state = Mutex((Array(repeating: false, count: pieceStarts.count), 0, 0))
    }

    func finished(_ piece: Int, textEnd: Int) {
        let range: Range<Int>? = state.withLock { state in
            state.done[piece] = true
            while state.first < state.done.count, state.done[state.first] { state.first += 1 }
            let upTo = state.first < starts.count ? max(0, starts[state.first] - Self.margin) : textEnd
            guard upTo - state.released >= 1 << 20 || upTo == textEnd && upTo > state.released else { return nil }
            defer { state.released = upTo }
            return state.released..<upTo
        }
        if let range { release(range) }
    }
}
