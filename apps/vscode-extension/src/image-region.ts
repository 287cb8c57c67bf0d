// Parts of a large image at full resolution for the viewer: the page shows a downsampled copy of
// images above MAX_DISPLAY_PIXELS, and asks for the part in view once it zooms in past that copy's
// own resolution (as QuPath and napari read tiles of the original), so outlines can be checked
// pixel by pixel.
import type { RgbImage } from './nuclei-api';
import type { Region, ToWebview } from './webview/messages';
import type { NucleiPanel } from './webview/panel';

/** The part of the image inside `region` (clipped to the image), or undefined when nothing is left. */
export function cropRgb(image: RgbImage, region: Region): RgbImage | undefined {
  const x0 = Math.max(0, region.x);
  const y0 = Math.max(0, region.y);
  const x1 = Math.min(image.width, region.x + region.width);
  const y1 = Math.min(image.height, region.y + region.height);
  if (x1 <= x0 || y1 <= y0) return undefined;
  const width = x1 - x0;
  const data = new Uint8Array(width * (y1 - y0) * 3);
  for (let y = y0; y < y1; y++) data.set(image.data.subarray((y * image.width + x0) * 3, (y * image.width + x1) * 3), (y - y0) * width * 3);
  return { width, height: y1 - y0, data };
}

/** The page's answer to a 'region' request: that part as a PNG, where it is (clipped); undefined when outside the image. */
export async function regionMessage(image: RgbImage, region: Region): Promise<ToWebview | undefined> {
  const part = cropRgb(image, region);
  if (!part) return undefined;
  const api = await import('./nuclei-api');
  const src = `data:image/png;base64,${(await api.encodePng(part)).toString('base64')}`;
  return { type: 'region', src, x: Math.max(0, region.x), y: Math.max(0, region.y), width: part.width, height: part.height };
}

/** Answers a page's 'region' request (not replayed: a rebuilt page asks again for what it shows). */
export async function answerRegion(image: RgbImage, region: Region, panel: NucleiPanel): Promise<void> {
  const message = await regionMessage(image, region);
  if (message) panel.poke(message);
}
