import LPCore

/// How a release keeps track of its incidents. The incident store links every incident of a
/// release here in the transaction that writes it (capture, regression, resolve), so the
/// release's counts and native health are always derived from its linked incidents.
extension DeviceReleaseExecution.Meta {
    /// Adds or updates the incident's entry, then recomputes what derives from the entries.
    public mutating func link(_ incident: DeviceReleaseExecution.LinkedIncident) {
        if let index = linked_incidents.firstIndex(where: { $0.incident_id == incident.incident_id }) {
            linked_incidents[index] = incident
        } else {
            linked_incidents.append(incident)
            last_incident_id = incident.incident_id
        }
        recount()
    }

    /// Incident counts and the native health rollup from the linked incidents: per native class
    /// counts; the latest native incident (greatest capture time, the later entry on a tie)
    /// names the latest incident, regression and native event. Health is `unknown` before any
    /// observation or native incident, `healthy` when observed without native incidents,
    /// `failed` with a host crash or a halted rollout, else `degraded`.
    public mutating func recount() {
        incident_count_total = linked_incidents.count
        incident_count_open = linked_incidents.filter { $0.incident_status != "resolved" }.count
        var rollup = NativeHealthRollup()
        var latest: DeviceReleaseExecution.LinkedIncident?
        for item in linked_incidents {
            guard let native = item.native_classification else { continue }
            rollup.count(native)
            if latest.map({ item.captured_unix_ms >= $0.captured_unix_ms }) ?? true { latest = item }
        }
        native_incident_count = rollup.total
        rollup.last_native_event_unix_ms = latest?.captured_unix_ms
        if rollup.total == 0 {
            rollup.status = latest_eval_outcome == .none ? .unknown : .healthy
        } else {
            rollup.status = rollup.native_host_crash_count > 0 || current_state == .halted ? .failed : .degraded
        }
        latest_native_health_rollup = rollup
        latest_native_incident_id = latest?.incident_id
        latest_regression_id = latest?.regression_id
        latest_regression_status = latest?.regression_status ?? "not_requested"
    }
}

extension DeviceReleaseExecution.LinkedIncident {
    /// The entry of incident `id` as its meta describes it now.
    public init(id: String, meta: IncidentMeta, reason: String) {
        self.init(incident_id: id, classification: meta.classification, native_classification: meta.native_classification,
                  reason: reason, source: meta.source, incident_status: meta.incident_status.rawValue,
                  captured_unix_ms: meta.captured_unix_ms, regression_status: meta.regression_status,
                  regression_id: meta.regression_id)
    }
}
