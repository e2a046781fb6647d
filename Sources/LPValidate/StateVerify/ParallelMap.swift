import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import Dispatch

extension Array {
    /// `map` spread over the available cores; results keep the input order.
    func parallelMap<Result>(_ transform: (Element) -> Result) -> [Result] {
        var results = [Result?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { slots in
            DispatchQueue.concurrentPerform(iterations: count) { index in
                slots[index] = transform(self[index])
            }
        }
        return results.compactMap { $0 }
    }
}
