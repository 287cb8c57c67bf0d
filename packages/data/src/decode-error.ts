/** Turns a sharp/libvips error into a short statement of what is wrong with the file. */
export function describeDecodeError(err: unknown, what: 'image' | 'mask' | 'label image'): string {
  const msg = err instanceof Error ? err.message : String(err);
  const detail = msg.split('\n')[0].replace(/[:\s]+$/, '');
  if (/ENOENT|Input file is missing/.test(msg)) return 'file not found';
  if (/unsupported image format|Input file contains unsupported/i.test(msg))
    return what === 'mask' ? 'not a PNG mask (unrecognised format)' : 'not an image (unsupported or unrecognised format)';
  if (/truncat|premature|end of (file|stream)|read error|unexpected end|corrupt/i.test(msg)) return `corrupt or truncated ${what} file (${detail})`;
  return `cannot decode ${what} (${detail})`;
}
