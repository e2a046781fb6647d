import LPQuery
import LPStage

// lp-query: see LPQuery/QueryStage.swift.
StageRunner.main(QueryStage.definition)
