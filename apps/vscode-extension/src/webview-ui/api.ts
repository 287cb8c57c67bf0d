// The webview side of the message channel (browser bundle).
import type { FromWebview, ToWebview } from '../webview/messages';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;

export function vscodeApi(): VsCodeApi {
  if (!api) api = acquireVsCodeApi();
  return api;
}

export function post(message: FromWebview): void {
  vscodeApi().postMessage(message);
}

export function onMessage(handler: (message: ToWebview) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as ToWebview;
    if (data && typeof data === 'object' && typeof data.type === 'string') handler(data);
  });
}

export function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing element #${id}`);
  return el;
}

export function showError(message: string): void {
  const el = $('error');
  el.textContent = message;
  el.classList.remove('hidden');
}
