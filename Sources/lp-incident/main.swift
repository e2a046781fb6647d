import LPIncident
import LPStage

// lp-incident: see LPIncident/IncidentStage.swift.
StageRunner.main(IncidentStage.definition)
