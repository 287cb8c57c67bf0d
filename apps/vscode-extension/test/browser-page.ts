// The webview pages in a real browser, for the browser tests: Debian chromium via playwright-core,
// each page's HTML from renderWebviewHtml with its real script bundle, served over http with an
// image, and a stub VS Code API that records what the page posts (`window.__posted`).
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { renderWebviewHtml } from '../src/webview/html';

const { buildWebviews } = require('../build.js') as { buildWebviews(outDir: string): string };

// NUCLEI_CHROMIUM, when set, is the only browser tried (empty: behave as if there were none).
export const CHROMIUM = (process.env.NUCLEI_CHROMIUM !== undefined ? [process.env.NUCLEI_CHROMIUM] : ['/usr/lib/chromium/chromium', '/usr/bin/chromium']).find(
  (p): p is string => !!p && fs.existsSync(p),
);

/** `describe` when chromium is here, else `describe.skip` with a line saying why. */
export function describeBrowser(what: string): jest.Describe {
  if (!CHROMIUM) process.stderr.write(`SKIPPED ${what}: chromium not found (apt-get install -y chromium, or set NUCLEI_CHROMIUM)\n`);
  return CHROMIUM ? describe : describe.skip;
}

export interface PageServer {
  origin: string;
  close(): void;
}

/** Serves `/` (the segment page), `/?view=NAME`, the built bundles under `/webview/`, and `/image.png`. */
export async function servePages(tmp: string, imagePng: Buffer): Promise<PageServer> {
  const webviewDir = buildWebviews(path.join(tmp, 'webview'));
  let origin = '';
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const view = /^\/(\?view=(\w+))?$/.exec(url);
    if (view) {
      const kind = (view[2] ?? 'segment') as 'segment' | 'train' | 'evaluate';
      res.setHeader('content-type', 'text/html');
      res.end(renderWebviewHtml({ view: kind, title: 'test', cspSource: origin, scriptUri: `${origin}/webview/${kind}.js` }));
    } else if (url === '/image.png') {
      res.setHeader('content-type', 'image/png');
      res.end(imagePng);
    } else if (url.startsWith('/webview/') && fs.existsSync(path.join(webviewDir, path.basename(url)))) {
      res.setHeader('content-type', 'text/javascript');
      res.end(fs.readFileSync(path.join(webviewDir, path.basename(url))));
    } else {
      res.statusCode = url === '/favicon.ico' ? 204 : 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => server.close() };
}

export async function launchChromium(): Promise<any> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
  });
}

/**
 * A new page at `url` with the stub VS Code API: posts go to `window.__posted`, `getState()` gives
 * `state` until the page saves its own (`window.__state`); console errors go to `errors`.
 */
export async function openStubbedPage(
  browser: any,
  url: string,
  options: { viewport: { width: number; height: number }; state?: unknown; errors?: string[] },
): Promise<any> {
  const page = await browser.newPage({ viewport: options.viewport, deviceScaleFactor: 1 });
  if (options.errors) {
    const errors = options.errors;
    page.on('console', (m: { type(): string; text(): string }) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e: Error) => errors.push(e.message));
  }
  await page.addInitScript((st: unknown) => {
    const w = window as unknown as { __posted: unknown[]; __state: unknown; acquireVsCodeApi: () => unknown };
    w.__posted = [];
    w.__state = st;
    w.acquireVsCodeApi = () => ({
      postMessage: (m: unknown) => w.__posted.push(m),
      getState: () => w.__state,
      setState: (s: unknown) => {
        w.__state = s;
      },
    });
  }, options.state);
  await page.goto(url);
  return page;
}

/**
 * The pages' server (`image` at /image.png) and chromium for the tests of one describe block:
 * started before them, closed after, with the temporary folder (`tmp`, named from `prefix`).
 */
export function usePages(prefix: string, image: () => Promise<Buffer>): { readonly tmp: string; readonly origin: string; readonly browser: any } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  let server: PageServer | undefined;
  let browser: any;
  beforeAll(async () => {
    server = await servePages(tmp, await image());
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  return {
    tmp,
    get origin() {
      return server!.origin;
    },
    get browser() {
      return browser;
    },
  };
}

/** openStubbedPage, once the page has posted 'ready'. */
export async function openReadyPage(browser: any, url: string, options: Parameters<typeof openStubbedPage>[2]): Promise<any> {
  const page = await openStubbedPage(browser, url, options);
  await page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'ready'));
  return page;
}
