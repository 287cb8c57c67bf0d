// What the viewer page is sent for a segmentation, free of `vscode` (the host passes how a file
// becomes a webview URI), so the viewer benchmark times the host's own code in plain Node.
import * as path from 'path';
import { shrinkSamples } from '@nuclei/data';
import { BROWSER_IMAGES } from './image-files';
import { displayStep, packLabels, type ImagePixels, type ImageSource, type NucleusRow, type SegmentationPayload } from './webview/messages';
import { nucleusRows } from './webview/nucleus-rows';
import { drawTruthOutlines, TRUTH_COLOUR_NAME } from './truth-outlines';
import type { RgbImage } from './nuclei-api';
import type { SegmentationSession } from './segmentation-session';

/** A local file as a URI the webview may load (`webview.asWebviewUri`). */
export type WebviewUri = (file: string) => string;

let encodings = 0;

/**
 * The 8-bit view as the page draws it: one channel when gray (a third of the bytes), and above
 * MAX_DISPLAY_PIXELS the mean of each step x step block, the step the page draws its layers at.
 */
export function displayPixels(image: RgbImage): ImagePixels {
  const { width, height, data } = image;
  const k = displayStep(width, height);
  const n = width * height;
  let gray = true;
  for (let j = 0; j < 3 * n && gray; j += 3) gray = data[j] === data[j + 1] && data[j] === data[j + 2];
  const channels = gray ? 1 : 3;
  const id = `pixels-${++encodings}`;
  // Gray: the first sample of each pixel.
  let values: Uint8Array = data;
  if (gray) {
    values = new Uint8Array(n);
    for (let i = 0, j = 0; i < n; i++, j += 3) values[i] = data[j];
  }
  if (k === 1) return { id, width, height, channels, data: gray ? values : Uint8Array.from(data) };
  // Blocks at the edges are partial (the page's layers are ceil(width / k) wide too).
  const out = shrinkSamples(values, width, height, channels, k, true) as Uint8Array;
  return { id, width: Math.ceil(width / k), height: Math.ceil(height / k), channels, data: out };
}

/** The image as the page gets it: the file itself when a browser shows it, else its pixels (shrunk if large). */
export function viewerImageSrc(session: SegmentationSession, webviewUri: WebviewUri): ImageSource {
  const { imagePath, image } = session;
  if (session.truth) return displayPixels(drawTruthOutlines(image, session.truth));
  const ext = path.extname(imagePath).slice(1).toLowerCase();
  // (A labels file shown without its image has a made-up one: sent as pixels, not loaded by path.)
  if (BROWSER_IMAGES.includes(ext) && !session.imageless && displayStep(image.width, image.height) === 1) return webviewUri(imagePath);
  // TIFF (browsers cannot show it), or an image too large to show whole.
  return displayPixels(image);
}

/** The table's rows: every nucleus measured (every channel of the plane when the session has them). */
export async function viewerRows(session: SegmentationSession): Promise<NucleusRow[]> {
  const api = await import('./nuclei-api');
  return nucleusRows(api.measure(session.result, session.image, session.pixelSize, session.channels), session.pixelSize);
}

/**
 * What the viewer page gets; `shownSrc`: the image the page already shows (not encoded again).
 * `rows: false`: without the rows (`measuring`), for the image to show while they are measured.
 */
export async function segmentationPayload(
  session: SegmentationSession,
  webviewUri: WebviewUri,
  shownSrc?: ImageSource,
  options: { rows?: boolean } = {},
): Promise<SegmentationPayload> {
  const { imagePath, result } = session;
  const imageSrc = shownSrc ?? viewerImageSrc(session, webviewUri);
  const nuclei = options.rows === false ? undefined : await viewerRows(session);
  return {
    fileName: path.basename(imagePath) + (session.truth ? ` (${TRUTH_COLOUR_NAME} outlines: the true nuclei)` : ''),
    imageSrc,
    width: result.width,
    height: result.height,
    labels: packLabels(result.labels, result.count),
    count: result.count,
    meanArea: result.meanArea,
    nuclei: nuclei ?? [],
    ...(nuclei ? {} : { measuring: true }),
    unit: session.pixelSize ? 'um' : 'px',
    ...(session.input ? { input: session.input } : {}),
  };
}
