import LPPlan
import LPStage

// lp-plan: see LPPlan/PlanStage.swift.
StageRunner.main(PlanStage.definition)
