import LPDaemon
import LPStage

StageRunner.main(DaemonStage.definition)
