import LPCore
import LPModel

/// `mock_v1`: a store that exists only in the records (no I/O). Its release id is the existing
/// one or `store-<exec_id>`.
struct MockStoreProvider: StoreProvider {
    var kind: StoreProviderKind { .mock }
    var mode: String { "mock" }

    func perform(_ op: ReleaseOp, percent: Int?, at context: StoreContext) throws -> StoreOutcome {
        let id = context.storeReleaseId ?? "store-\(context.execId)"
        func outcome(_ state: StoreState, _ percent: Int?) -> StoreOutcome {
            StoreOutcome(state: state, percent: percent, storeReleaseId: id,
                         message: "mock_v1 \(op.rawValue): \(state.rawValue)" + (percent.map { " at \($0)%" } ?? ""),
                         evidence: ["release_id": .string(id)])
        }
        switch op {
        case .start:
            return context.lane == .beta ? outcome(.available, 100) : outcome(.inProgress, context.initialPercent)
        case .setPercent:
            return outcome(.inProgress, min(percent ?? context.initialPercent, 100))
        case .pause:
            return outcome(.paused, context.percent)
        case .resume:
            return outcome(context.state == .available ? .available : .inProgress, context.percent)
        case .complete:
            return outcome(.completed, 100)
        case .rollbackPrevious:
            return outcome(.rolledBack, 0)
        case .metricsEval:
            throw StoreFailure(message: "mock_v1 has no operation \(op.rawValue)")
        }
    }
}
