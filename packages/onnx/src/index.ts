export { exportOnnx, onnxMetadata, ONNX_FILE, ONNX_OPSET, ONNX_INPUT, ONNX_OUTPUT, type OnnxExportOptions } from './export';
export { onnxPredictor, loadOnnxRuntime, type OnnxSessionOptions, type OnnxModelShape } from './runtime';
export { selectEngine, describeEngine, ENGINES, type EnginePreference, type EngineSelection } from './engine';
export { nhwcToNchw, nchwToNhwc } from './layout';
export { bioimageioFiles, BIOIMAGEIO_FORMAT, type BioimageioOptions } from './bioimageio/package';
