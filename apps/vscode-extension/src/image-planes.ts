// Which channel and Z plane of an image are segmented: never the wrong channel in silence. An image
// with several channels (not RGB) or several planes asks once with a quick pick; the answer is
// remembered per folder (workspace state), so the viewer, the command and batch use it for every
// image of that folder (a channel by its name when the file names it, else by its index).
import * as path from 'path';
import * as vscode from 'vscode';
import { describeChannel, type AxesView, type PlaneChoice, type PlaneInput } from './webview/messages';

const KEY = 'nuclei.planes';

/** The channel and plane of one image (channel absent: RGB as it is, or the only channel). */
export interface PlaneSelection {
  channel?: number;
  z?: PlaneChoice;
}

interface Remembered {
  channel?: number;
  channelName?: string;
  z?: PlaneChoice;
}

function remembered(context: vscode.ExtensionContext, file: string): Remembered | undefined {
  return (context.workspaceState.get<Record<string, Remembered>>(KEY) ?? {})[path.dirname(file)];
}

/** Remembers the channel and plane chosen for `file`'s folder. */
export async function rememberPlanes(context: vscode.ExtensionContext, file: string, axes: AxesView, sel: PlaneSelection): Promise<void> {
  const all = { ...(context.workspaceState.get<Record<string, Remembered>>(KEY) ?? {}) };
  const before = all[path.dirname(file)] ?? {};
  const name = sel.channel === undefined ? undefined : axes.channels[sel.channel]?.name;
  all[path.dirname(file)] = {
    ...before,
    ...(sel.channel !== undefined ? { channel: sel.channel, channelName: name } : {}),
    ...(sel.z !== undefined ? { z: sel.z } : {}),
  };
  await context.workspaceState.update(KEY, all);
}

/** The folder's remembered choice as it applies to this image (a name it does not have, a plane out of range: none). */
function applies(r: Remembered | undefined, axes: AxesView): PlaneSelection {
  const out: PlaneSelection = {};
  if (r?.channelName) {
    const c = axes.channels.find((x) => x.name?.toLowerCase() === r.channelName!.toLowerCase());
    if (c) out.channel = c.index;
  } else if (r?.channel !== undefined && r.channel < axes.channels.length) out.channel = r.channel;
  if (r?.z === 'max' || r?.z === 'mean' || (typeof r?.z === 'number' && r.z < axes.planes)) out.z = r.z;
  return out;
}

/** Whether the image needs a channel chosen (several, not RGB) and a plane (several). */
export function needsChoice(axes: AxesView): { channel: boolean; z: boolean } {
  return { channel: axes.channels.length > 1 && !axes.rgb, z: axes.planes > 1 };
}

/**
 * The channel and plane to segment: the folder's remembered choice, else asked (once; the answer
 * is remembered). Undefined when the user dismisses a question: nothing is segmented.
 */
export async function choosePlanes(context: vscode.ExtensionContext, file: string, axes: AxesView): Promise<PlaneSelection | undefined> {
  const need = needsChoice(axes);
  const sel = applies(remembered(context, file), axes);
  const name = path.basename(file);
  if (need.channel && sel.channel === undefined) {
    const n = axes.channels.length;
    const items = axes.channels.map((c) => ({ label: describeChannel({ axes, channel: c.index }), description: `--channel ${c.index}`, index: c.index }));
    const picked = await vscode.window.showQuickPick(items, {
      title: `${name} has ${n} channels`,
      placeHolder: 'Which channel shows the nuclei (for example DAPI or Hoechst)? Remembered for this folder.',
    });
    if (!picked) return undefined;
    sel.channel = picked.index;
  }
  if (need.z && sel.z === undefined) {
    const items: { label: string; z: PlaneChoice }[] = [
      { label: 'max projection', z: 'max' },
      { label: 'mean projection', z: 'mean' },
      ...Array.from({ length: axes.planes }, (_, k) => ({ label: `plane ${k + 1} of ${axes.planes}`, z: k as PlaneChoice })),
    ];
    const picked = await vscode.window.showQuickPick(items, {
      title: `${name} has ${axes.planes} Z planes`,
      placeHolder: 'Which plane, or a projection of all? Remembered for this folder.',
    });
    if (!picked) return undefined;
    sel.z = picked.z;
  }
  if (need.channel || need.z) await rememberPlanes(context, file, axes, sel);
  if (!need.z) delete sel.z;
  return sel;
}

/** What the page shows of a selection. */
export function planeInput(axes: AxesView, sel: PlaneSelection): PlaneInput {
  return { axes, ...(sel.channel !== undefined ? { channel: sel.channel } : {}), ...(sel.z !== undefined ? { z: sel.z } : {}) };
}
