import Dispatch
import Synchronization

extension Array where Element: Sendable {
    /// `map` spread over the available cores; results keep the input order.
    func parallelMap<Result: Sendable>(_ transform: @Sendable (Element) -> Result) -> [Result] {
        let results = Mutex([Result?](repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let value = transform(self[index])
            results.withLock { $0[index] = value }
        }
        return results.withLock { $0.compactMap { $0 } }
    }
}
