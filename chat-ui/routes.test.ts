import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assetSegments, chatUiRoutes } from './routes.ts';

const app = chatUiRoutes();
const get = (path: string) => app.request(`http://127.0.0.1${path}`);

describe('the chat page routes', () => {
  it('serves the page at / with a content security policy and no referrer', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await response.text();
    expect(html).toContain('<script type="module" src="/assets/app.js"></script>');
    expect(html).toContain('data-testid="message-input"');
    // The page holds no inline script or style for the policy to refuse.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
  });

  it('still serves the page when opened as /?token=… (the server sets the cookie around it)', async () => {
    const response = await get('/?token=abc');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Sextant</title>');
  });

  it('serves every file the page loads, each with its content type', async () => {
    const cases: [string, string][] = [
      ['/assets/app.js', 'text/javascript; charset=utf-8'],
      ['/assets/js/api.js', 'text/javascript; charset=utf-8'],
      ['/assets/js/chat.js', 'text/javascript; charset=utf-8'],
      ['/assets/js/plan-card.js', 'text/javascript; charset=utf-8'],
      ['/assets/js/panel.js', 'text/javascript; charset=utf-8'],
      ['/assets/js/dom.js', 'text/javascript; charset=utf-8'],
      ['/assets/js/format.js', 'text/javascript; charset=utf-8'],
      ['/assets/js/sse.js', 'text/javascript; charset=utf-8'],
      ['/assets/js/referrer.js', 'text/javascript; charset=utf-8'],
      ['/assets/js/emissions-chart.js', 'text/javascript; charset=utf-8'],
      ['/assets/styles.css', 'text/css; charset=utf-8'],
      ['/assets/favicon.svg', 'image/svg+xml'],
    ];
    for (const [path, type] of cases) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toBe(type);
      expect((await response.text()).length, path).toBeGreaterThan(0);
    }
  });

  it('every module the page imports is served', async () => {
    const pending = ['/assets/app.js'];
    const seen = new Set<string>();
    while (pending.length > 0) {
      const path = pending.pop() as string;
      if (seen.has(path)) continue;
      seen.add(path);
      const response = await get(path);
      expect(response.status, path).toBe(200);
      const source = await response.text();
      for (const match of source.matchAll(/^import\s[^'"]*['"](\.[^'"]+)['"]/gm)) {
        pending.push(new URL(match[1] as string, `http://x${path}`).pathname);
      }
    }
    expect(seen.size).toBeGreaterThanOrEqual(7);
  });

  it('answers 404 for a missing file and for kinds of file it does not serve', async () => {
    expect((await get('/assets/nope.js')).status).toBe(404);
    expect((await get('/assets/js')).status).toBe(404);
    // The type declarations beside the modules are for the tests, not the browser.
    expect((await get('/assets/js/format.d.ts')).status).toBe(404);
  });

  it('refuses paths that would leave the folder, however they are spelled', async () => {
    const attempts = [
      '/assets/..%2f..%2fpackage.json',
      '/assets/..%2F..%2Froutes.ts',
      '/assets/js/..%2f..%2f..%2fpackage.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/assets/..%5c..%5cpackage.json',
      '/assets/%2fetc%2fpasswd',
      '/assets/.%2e/routes.ts',
      '/assets/app.js%00.css',
      '/assets/.hidden.js',
      '/assets/%E0%A4%A.js',
    ];
    for (const path of attempts) {
      const response = await get(path);
      expect([400, 404], path).toContain(response.status);
      const text = await response.text();
      expect(text, path).not.toContain('"name": "sextant"');
      expect(text, path).not.toContain('root:');
      expect(text, path).not.toContain('chatUiRoutes');
    }
  });

  it('splits asset paths into plain segments, and refuses any segment that is not one', () => {
    expect(assetSegments('/assets/js/api.js')).toEqual(['js', 'api.js']);
    expect(assetSegments('/assets/a%20b.css')).toEqual(['a b.css']);
    for (const bad of [
      '/assets/',
      '/assets/../x.js',
      '/assets/a//b.js',
      '/assets/./a.js',
      '/assets/..%2fx.js',
      '/assets/a%5cb.js',
      '/assets/c:%5cx.js',
      '/assets/%00.js',
      '/assets/%zz.js',
      '/other/a.js',
    ]) {
      expect(assetSegments(bad), bad).toBeUndefined();
    }
  });

  it('does not follow a symbolic link out of the folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'chat-ui-'));
    const publicDir = join(root, 'public');
    mkdirSync(publicDir);
    writeFileSync(join(publicDir, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(root, 'secret.js'), 'the secret');
    symlinkSync(join(root, 'secret.js'), join(publicDir, 'link.js'));
    const isolated = chatUiRoutes({ publicDir });
    expect((await isolated.request('http://127.0.0.1/')).status).toBe(200);
    const response = await isolated.request('http://127.0.0.1/assets/link.js');
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('the secret');
  });
});
