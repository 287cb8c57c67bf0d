export { pixelMetrics, type PixelMetrics } from './pixel-metrics';
export { dsbScore, DSB_THRESHOLDS, type DsbScore, type ThresholdScore } from './dsb-score';
export {
  evaluateImage,
  evaluateImages,
  reportFromRows,
  formatKindTable,
  formatReportTable,
  type EvaluationItem,
  type EvaluationRow,
  type EvaluationMeans,
  type EvaluationReport,
} from './report';
