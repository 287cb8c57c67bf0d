// The extension's segment page in Debian's chromium (via playwright-core, as the extension's browser
// tests), for the viewer benchmarks: the page bundle as the extension builds it, served with
// renderWebviewHtml, and a stub VS Code API that records what the page posts (`window.__posted`).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { renderWebviewHtml } from '../../../apps/vscode-extension/src/webview/html';

export const CHROMIUM = (process.env.NUCLEI_CHROMIUM !== undefined ? [process.env.NUCLEI_CHROMIUM] : ['/usr/lib/chromium/chromium', '/usr/bin/chromium']).find(
  (p): p is string => !!p && fs.existsSync(p),
);

export interface ViewerPage {
  page: any;
  errors: string[];
  close(): Promise<void>;
}

/**
 * The segment page (or `view`) at `viewport`, ready (it has posted 'ready'); `close` ends the browser, the server and the temp folder.
 * `files`: more bytes served by path (what a benchmark made in Node, fetched by the page untimed).
 */
export async function openViewerPage(
  viewport: { width: number; height: number },
  files: Record<string, Uint8Array> = {},
  view: 'segment' | 'slide' = 'segment',
): Promise<ViewerPage> {
  const repo = path.resolve(__dirname, '../../..');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-viewer-bench-'));
  // The page bundle as the extension builds it (esbuild stays a build tool: not bundled in here).
  const built = spawnSync(
    process.execPath,
    ['-e', `require(${JSON.stringify(path.join(repo, 'apps/vscode-extension/build.js'))}).buildWebviews(${JSON.stringify(tmp)})`],
    { stdio: 'inherit' },
  );
  if (built.status !== 0) throw new Error('building the webview bundle failed');
  let origin = '';
  const server = http.createServer((req, res) => {
    if (req.url === '/') {
      res.setHeader('content-type', 'text/html');
      res.end(renderWebviewHtml({ view, title: 'bench', cspSource: origin, scriptUri: `${origin}/${view}.js` }));
    } else if (req.url === `/${view}.js`) {
      res.setHeader('content-type', 'text/javascript');
      res.end(fs.readFileSync(path.join(tmp, `${view}.js`)));
    } else if (req.url && files[req.url]) {
      res.setHeader('content-type', 'application/octet-stream');
      res.end(files[req.url]);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
  });
  const close = async () => {
    await browser.close();
    server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  try {
    // With files to fetch, the page's CSP (no connect-src) is bypassed for them.
    const page = await browser.newPage({ viewport, deviceScaleFactor: 1, bypassCSP: Object.keys(files).length > 0 });
    const errors: string[] = [];
    page.on('pageerror', (e: Error) => errors.push(e.message));
    await page.addInitScript(() => {
      const w = window as unknown as { __posted: unknown[]; acquireVsCodeApi: () => unknown };
      w.__posted = [];
      w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => w.__posted.push(m), getState: () => undefined, setState: () => undefined });
    });
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    return { page, errors, close };
  } catch (e) {
    await close();
    throw e;
  }
}
