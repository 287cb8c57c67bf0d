import { channelLabel, describeImageAxes, NucleiInputError, type ImageAxes, type ReadImageOptions } from '@nuclei/data';
import { intOption } from '../args';
import { CliError } from '../cli-error';

export const PLANE_FLAGS = {
  channel: { type: 'string' },
  z: { type: 'string' },
  t: { type: 'string' },
} as const;

export const PLANE_HELP = `  --channel N|NAME     the nuclear channel, by index (0-based) or name, when an image has more than one
                       (OME-TIFF and ImageJ hyperstack channels, interleaved samples): without it such an
                       image is refused (exit 2) with its channels listed. An RGB image is segmented as one
                       colour image unless --channel picks a colour (0 red, 1 green, 2 blue, or the name)
  --z N|max|mean       a Z stack: plane N (0-based), or the maximum or mean projection of all planes;
                       required when an image has more than one plane
  --t N                a time series: frame N (0-based; default 0, with a warning)`;

/** What the plane flags ask for, checked as flags (before any image is read). */
export interface PlaneChoice {
  channel?: number | string;
  z?: number | 'max' | 'mean';
  t?: number;
}

export function planeChoiceFromFlags(values: Record<string, unknown>): PlaneChoice {
  const out: PlaneChoice = {};
  const channel = values.channel === undefined ? undefined : String(values.channel).trim();
  if (channel !== undefined) {
    if (channel === '') throw new CliError('--channel needs an index (0-based) or a channel name');
    out.channel = /^\d+$/.test(channel) ? intOption('channel', channel, 0, 0, 999) : channel;
  }
  if (values.z !== undefined) {
    const z = String(values.z).trim();
    out.z = z === 'max' || z === 'mean' ? z : intOption('z', z, 0, 0, 1e6);
  }
  if (values.t !== undefined) out.t = intOption('t', values.t, 0, 0, 1e6);
  return out;
}

/** The channels of an image as the refusal lists them: index and name. */
export function listChannels(axes: ImageAxes): string {
  return axes.channels.map((c) => `  --channel ${String(c.index).padEnd(3)} ${c.name ?? '(unnamed)'}`).join('\n');
}

/**
 * Resolves the plane flags for each image before any work, so nothing is segmented in silence:
 * an image with several channels (not RGB) and no --channel, or several Z planes and no --z, is
 * bad usage (exit 2) and the message lists what the image holds. A channel name is looked up in
 * each image (case-insensitive). Images that cannot be read are left to the per-image reading
 * (exit 3), as before.
 */
export async function resolvePlanes(files: string[], choice: PlaneChoice): Promise<Map<string, { read: ReadImageOptions; axes?: ImageAxes }>> {
  const out = new Map<string, { read: ReadImageOptions; axes?: ImageAxes }>();
  const problems: string[] = [];
  for (const file of files) {
    let axes: ImageAxes;
    try {
      axes = await describeImageAxes(file);
    } catch (e) {
      if (!(e instanceof NucleiInputError)) throw e;
      out.set(file, { read: { channel: typeof choice.channel === 'number' ? choice.channel : undefined, z: choice.z, t: choice.t } });
      continue;
    }
    const n = axes.channels.length;
    let channel: number | undefined;
    if (typeof choice.channel === 'string') {
      const wanted = choice.channel.toLowerCase();
      const found = axes.channels.find((c) => c.name?.toLowerCase() === wanted || channelLabel(c).toLowerCase() === wanted);
      if (!found) problems.push(`${file} has no channel named "${choice.channel}"; its channels:\n${listChannels(axes)}`);
      channel = found?.index;
    } else if (choice.channel !== undefined) {
      if (choice.channel >= n) problems.push(`${file} has no channel ${choice.channel}; its channels:\n${listChannels(axes)}`);
      channel = choice.channel;
    } else if (n > 1 && !axes.rgb) {
      problems.push(`${file} has ${n} channels; say which one holds the nuclei:\n${listChannels(axes)}`);
    }
    if (choice.z === undefined && axes.planes > 1)
      problems.push(`${file} has ${axes.planes} Z planes; choose --z N (0..${axes.planes - 1}), --z max or --z mean`);
    else if (typeof choice.z === 'number' && choice.z >= axes.planes)
      problems.push(`${file} has no Z plane ${choice.z} (it has ${axes.planes}: 0..${axes.planes - 1})`);
    if (choice.t !== undefined && choice.t >= axes.frames)
      problems.push(`${file} has no time frame ${choice.t} (it has ${axes.frames}: 0..${axes.frames - 1})`);
    out.set(file, { read: { channel, z: choice.z, t: choice.t }, axes });
  }
  if (problems.length) throw new CliError(problems.join('\n'));
  return out;
}
