import { makeNonce, renderWebviewHtml } from '../src/webview/html';
import { isFromWebview, packLabels, unpackLabels, type ViewKind } from '../src/webview/messages';

const CSP_SOURCE = 'https://*.vscode-cdn.net';
const SCRIPT = 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/segment.js';

function csp(html: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
  if (!m) throw new Error('no CSP meta tag');
  return m[1];
}

describe('renderWebviewHtml', () => {
  it.each<ViewKind>(['segment', 'train', 'evaluate'])('%s: strict CSP whose nonce matches every script and style tag', (view) => {
    const html = renderWebviewHtml({ view, title: 'T', cspSource: CSP_SOURCE, scriptUri: SCRIPT });
    const policy = csp(html);
    const nonce = /script-src 'nonce-([A-Za-z0-9]+)'/.exec(policy)?.[1];
    expect(nonce).toBeDefined();
    expect(nonce!.length).toBeGreaterThanOrEqual(16);
    expect(policy).toBe(`default-src 'none'; img-src ${CSP_SOURCE} data: blob:; script-src 'nonce-${nonce}'; style-src ${CSP_SOURCE} 'nonce-${nonce}'`);
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts).toHaveLength(1);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    for (const tag of html.match(/<style\b[^>]*>/g) ?? []) expect(tag).toContain(`nonce="${nonce}"`);
    // No inline handlers or javascript: URLs (they would need 'unsafe-inline').
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/javascript:/i);
  });

  it('has no remote content: every URL is the script or the CSP source', () => {
    const html = renderWebviewHtml({ view: 'segment', title: 'T', cspSource: CSP_SOURCE, scriptUri: SCRIPT });
    const urls = html.match(/(https?:)?\/\/[^\s"'<>)]+/g) ?? [];
    for (const url of urls) expect([CSP_SOURCE, SCRIPT]).toContain(url);
    expect(html).not.toMatch(/<link\b|@import|<iframe\b|<img\b[^>]*src=/i);
  });

  it('makes a fresh nonce for every page and uses a given one', () => {
    const a = renderWebviewHtml({ view: 'train', title: 'T', cspSource: CSP_SOURCE, scriptUri: SCRIPT });
    const b = renderWebviewHtml({ view: 'train', title: 'T', cspSource: CSP_SOURCE, scriptUri: SCRIPT });
    expect(csp(a)).not.toBe(csp(b));
    const c = renderWebviewHtml({ view: 'train', title: 'T', cspSource: CSP_SOURCE, scriptUri: SCRIPT, nonce: 'abcdefghijklmnop' });
    expect(c).toContain(`<script nonce="abcdefghijklmnop" src="${SCRIPT}">`);
    expect(new Set(Array.from({ length: 50 }, makeNonce)).size).toBe(50);
  });

  it('escapes the title', () => {
    const html = renderWebviewHtml({ view: 'evaluate', title: '<img src=x onerror=alert(1)>', cspSource: CSP_SOURCE, scriptUri: SCRIPT });
    expect(html).toContain('<title>&lt;img src=x onerror=alert(1)&gt;</title>');
  });
});

describe('messages', () => {
  it('packs labels as Uint16 when they fit and as Int32 otherwise, round trip', () => {
    const labels = Int32Array.from([0, 1, 2, 65535, 0, 3]);
    const small = packLabels(labels, 65535);
    expect(small).toBeInstanceOf(Uint16Array);
    expect(Array.from(unpackLabels(small))).toEqual(Array.from(labels));
    const big = Int32Array.from([0, 70000, 1]);
    const packed = packLabels(big, 70000);
    expect(packed).toBeInstanceOf(Int32Array);
    // What structured cloning (postMessage) does to it keeps it a typed array.
    expect(Array.from(unpackLabels(structuredClone(small)))).toEqual(Array.from(labels));
    expect(() => unpackLabels({ 0: 1 } as never)).toThrow('labels did not arrive as a typed array');
    expect(Array.from(unpackLabels(packed))).toEqual([0, 70000, 1]);
  });

  it('accepts only well-formed messages from the webview', () => {
    expect(isFromWebview({ type: 'ready' })).toBe(true);
    expect(isFromWebview({ type: 'save', what: 'mask', pickLocation: false })).toBe(true);
    expect(isFromWebview({ type: 'save', what: '../../etc', pickLocation: false })).toBe(false);
    expect(isFromWebview({ type: 'save', what: 'all' })).toBe(false);
    expect(isFromWebview({ type: 'eval', code: '1' })).toBe(false);
    expect(isFromWebview(null)).toBe(false);
  });
});
