// The image files the extension segments and shows: one list, which the menus' `when` clauses in
// package.json repeat as a pattern (a test keeps them equal).
import * as path from 'path';

/** What "Segment nuclei" accepts (PNG, JPEG, TIFF: what sharp decodes for @nuclei/data). */
export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'tif', 'tiff'];
/** What the webview shows as it is; others (TIFF) are sent as the pixels of their 8-bit view. */
export const BROWSER_IMAGES = ['png', 'jpg', 'jpeg'];

export function isSupportedImage(file: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(file).slice(1).toLowerCase());
}
