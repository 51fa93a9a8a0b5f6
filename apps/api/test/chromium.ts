import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import CDP from 'chrome-remote-interface';

/** A page open in a real headless Chromium (Debian's package), driven over the DevTools protocol. */
export interface BrowserPage {
  /** Console errors and warnings, uncaught exceptions and browser log errors (CSP violations among them). */
  readonly problems: string[];
  /** Every URL the page asked for, the document itself included. */
  readonly requests: string[];
  /** alert/confirm/prompt dialogs the page opened. */
  readonly dialogs: string[];
  /** The value of an expression evaluated in the page (awaited, returned by value). */
  evaluate<T>(expression: string): Promise<T>;
  /** Moves the mouse to a point of the viewport, as a person would. */
  hover(x: number, y: number): Promise<void>;
  close(): Promise<void>;
}

export async function openInChromium(url: string): Promise<BrowserPage> {
  const profile = await mkdtemp(join(tmpdir(), 'vaecf-chromium-'));
  const browser = spawn(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--window-size=1400,1000',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let err = '';
    browser.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      const m = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(err);
      if (m) resolve(Number(m[1]));
    });
    browser.once('exit', (code) => reject(new Error(`chromium exited (${code}): ${err}`)));
    browser.once('error', reject);
  });
  const client = await CDP({ port, local: true });
  const { Page, Runtime, Log, Network, Input } = client;
  const problems: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];
  Runtime.consoleAPICalled((e) => {
    if (e.type === 'error' || e.type === 'warning' || e.type === 'assert')
      problems.push(`console.${e.type}: ${e.args.map((a) => a.value ?? a.description).join(' ')}`);
  });
  Runtime.exceptionThrown((e) => problems.push(`exception: ${e.exceptionDetails.exception?.description}`));
  Log.entryAdded((e) => {
    if (e.entry.level === 'error' || e.entry.level === 'warning') problems.push(`log: ${e.entry.text}`);
  });
  Network.requestWillBeSent((e) => requests.push(e.request.url));
  Page.javascriptDialogOpening((e) => {
    dialogs.push(e.message);
    void Page.handleJavaScriptDialog({ accept: true });
  });
  await Promise.all([Page.enable(), Runtime.enable(), Log.enable(), Network.enable()]);
  const loaded = Page.loadEventFired();
  await Page.navigate({ url });
  await loaded;
  return {
    problems,
    requests,
    dialogs,
    async evaluate<T>(expression: string): Promise<T> {
      const r = await Runtime.evaluate({ expression, awaitPromise: true, returnByValue: true });
      if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.exception?.description}`);
      return r.result.value as T;
    },
    async hover(x: number, y: number) {
      await Input.dispatchMouseEvent({ type: 'mouseMoved', x, y });
    },
    async close() {
      await client.close();
      // Wait until Chromium (and what it forked) has stopped writing its profile, then remove it;
      // retries cover a helper process that outlives the browser by a moment.
      const exited = browser.exitCode !== null ? Promise.resolve() : once(browser, 'exit');
      browser.kill('SIGKILL');
      await exited;
      await rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}
