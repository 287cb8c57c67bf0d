// What the viewer page is sent for a segmentation, free of `vscode` (the host passes how a file
// becomes a webview URI), so the viewer benchmark times the host's own code in plain Node.
import * as path from 'path';
import { BROWSER_IMAGES } from './image-files';
import { MAX_DISPLAY_PIXELS, packLabels, type NucleusRow, type SegmentationPayload } from './webview/messages';
import { nucleusRows } from './webview/nucleus-rows';
import { drawTruthOutlines, TRUTH_COLOUR_NAME } from './truth-outlines';
import type { SegmentationSession } from './segmentation-session';

/** A local file as a URI the webview may load (`webview.asWebviewUri`). */
export type WebviewUri = (file: string) => string;

/** The image as the page gets it: the file itself when a browser shows it, else a PNG of the 8-bit view, shrunk if large. */
export async function viewerImageSrc(session: SegmentationSession, webviewUri: WebviewUri): Promise<string> {
  const { imagePath, image } = session;
  const api = await import('./nuclei-api');
  const ext = path.extname(imagePath).slice(1).toLowerCase();
  if (session.truth) {
    return `data:image/png;base64,${(await api.encodePng(drawTruthOutlines(image, session.truth), MAX_DISPLAY_PIXELS)).toString('base64')}`;
  }
  if (BROWSER_IMAGES.includes(ext) && image.width * image.height <= MAX_DISPLAY_PIXELS) return webviewUri(imagePath);
  // TIFF (browsers cannot show it), or an image too large to show whole.
  return `data:image/png;base64,${(await api.encodePng(image, MAX_DISPLAY_PIXELS)).toString('base64')}`;
}

/** The table's rows: every nucleus measured (every channel of the plane when the session has them). */
export async function viewerRows(session: SegmentationSession): Promise<NucleusRow[]> {
  const api = await import('./nuclei-api');
  return nucleusRows(api.measure(session.result, session.image, session.pixelSize, session.channels), session.pixelSize);
}

/** What the viewer page gets; `shownSrc`: the image the page already shows (not encoded again). */
export async function segmentationPayload(session: SegmentationSession, webviewUri: WebviewUri, shownSrc?: string): Promise<SegmentationPayload> {
  const { imagePath, result } = session;
  const imageSrc = shownSrc ?? (await viewerImageSrc(session, webviewUri));
  const nuclei = await viewerRows(session);
  return {
    fileName: path.basename(imagePath) + (session.truth ? ` (${TRUTH_COLOUR_NAME} outlines: the true nuclei)` : ''),
    imageSrc,
    width: result.width,
    height: result.height,
    labels: packLabels(result.labels, result.count),
    count: result.count,
    meanArea: result.meanArea,
    nuclei,
    unit: session.pixelSize ? 'um' : 'px',
    ...(session.input ? { input: session.input } : {}),
  };
}
