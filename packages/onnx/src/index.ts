export { exportOnnx, onnxMetadata, ONNX_FILE, ONNX_OPSET, type OnnxExportOptions } from './export';
export { onnxPredictor, type OnnxSessionOptions, type OnnxModelShape } from './runtime';
export { selectEngine, describeEngine, ENGINES, type EnginePreference, type EngineSelection } from './engine';
export { bioimageioFiles, BIOIMAGEIO_FORMAT, type BioimageioOptions } from './bioimageio/package';
