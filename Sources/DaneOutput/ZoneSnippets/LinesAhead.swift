import Dispatch
import FoundationEssentials
import ThreadKit

extension ZoneSnippetRenderer {
    /// Makes each zone's `lines` (or `tabbedLines`) on a thread of its own, a bounded distance ahead of the
    /// template engine, which takes them in order: for a provider's 100,000 zones the engine
    /// and the formatting of 300,000 records then share the two cores instead of one.
    /// The engine makes a zone's lines itself when the other thread has not reached it, or
    /// when the template asks for them twice; what it gets is the same text either way.
    final class LinesAhead: @unchecked Sendable {
        private enum State { case waiting, making, made(String), taken }

        private let condition = Condition()
        private var states: [State]
        /// The furthest zone the engine has asked for.
        private var engineAt = 0
        /// While the thread waits for the engine: the zone the engine must reach to wake it,
        /// half a lead on, so it is woken once per half lead rather than once per zone.
        private var resumeAt: Int?
        private var stopped = false
        private let finished = DispatchSemaphore(value: 0)
        private let zones: [ZoneContext]
        private let layout: LineLayout
        /// How far ahead of the engine the thread may run (bounds the texts held at once).
        static let lead = 1_024

        init(_ zones: [ZoneContext], layout: LineLayout) {
            self.zones = zones
            self.layout = layout
            states = Array(repeating: .waiting, count: zones.count)
            zones.forEach { $0.ahead = self }
            Threads.start { [self] in
                makeAhead()
                finished.signal()
            }
        }

        private func makeAhead() {
            for index in zones.indices {
                condition.lock()
                if index > engineAt + Self.lead {
                    resumeAt = index - Self.lead / 2
                    while let resume = resumeAt, engineAt < resume, !stopped { condition.wait() }
                    resumeAt = nil
                }
                guard !stopped else {
                    condition.unlock()
                    return
                }
                guard case .waiting = states[index] else {
                    condition.unlock()
                    continue
                }
                states[index] = .making
                condition.unlock()
                let text = zones[index].text(layout)
                condition.lock()
                states[index] = .made(text)
                condition.broadcast()
                condition.unlock()
            }
        }

        /// Zone `index`'s lines: made ahead, waited for while being made, or nil (make them,
        /// as for a layout this thread does not make).
        func take(_ index: Int, _ layout: LineLayout) -> String? {
            guard layout == self.layout else { return nil }
            condition.lock()
            defer { condition.unlock() }
            engineAt = max(engineAt, index)
            if let resume = resumeAt, engineAt >= resume { condition.broadcast() }
            while true {
                switch states[index] {
                case .made(let text):
                    states[index] = .taken
                    return text
                case .making:
                    condition.wait()
                case .waiting, .taken:
                    states[index] = .taken
                    return nil
                }
            }
        }

        /// Ends the thread and waits for it: nothing runs after the render returns.
        func stop() {
            condition.lock()
            stopped = true
            condition.broadcast()
            condition.unlock()
            finished.wait()
            zones.forEach { $0.ahead = nil }
        }
    }
}
