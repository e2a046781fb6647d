import LPCatalog
import LPStage

// lp-catalog: see LPCatalog/CatalogStage.swift.
StageRunner.main(CatalogStage.definition)
