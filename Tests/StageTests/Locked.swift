import Synchronization

/// A value that concurrently running closures (reader threads, parallel processes) write.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func update(_ change: (inout Value) -> Void) { mutex.withLock { change(&$0) } }

    var value: Value { mutex.withLock { $0 } }
}
