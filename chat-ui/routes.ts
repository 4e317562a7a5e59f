import { readFile, realpath } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';

/** The page's own files: plain HTML, CSS and ES modules, served as they are (no build step). */
export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/** Only these kinds of file are served; anything else in the folder (a stray .d.ts, a dotfile) is not. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * The page renders server data as text only and loads nothing from elsewhere; the policy makes an
 * injected script or a foreign request fail even if a bug let one in.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  // The page is first opened as /?token=…: no request it makes may carry that URL elsewhere.
  'Referrer-Policy': 'no-referrer',
};

export type ChatUiOptions = {
  /** Where the files are; the package's own public/ folder unless a test says otherwise. */
  publicDir?: string;
};

/**
 * The chat page: GET / (index.html) and GET /assets/* (the files under public/). No authentication
 * here: the server mounts its session check around these routes.
 */
export function chatUiRoutes(options: ChatUiOptions = {}): Hono {
  const publicDir = options.publicDir ?? PUBLIC_DIR;
  const app = new Hono();

  app.get('/', async (c) => {
    const file = await readPublicFile(publicDir, ['index.html']);
    if (!file) return c.json({ error: 'The chat page is missing (chat-ui/public/index.html).' }, 500);
    return c.body(file.body, 200, { 'Content-Type': file.contentType, ...SECURITY_HEADERS });
  });

  app.get('/assets/*', async (c) => {
    const segments = assetSegments(new URL(c.req.url).pathname);
    if (!segments) return c.json({ error: 'Not a file of the chat page.' }, 400);
    const file = await readPublicFile(publicDir, segments);
    if (!file) return c.json({ error: 'not found', path: c.req.path }, 404);
    return c.body(file.body, 200, { 'Content-Type': file.contentType, ...SECURITY_HEADERS });
  });

  return app;
}

/**
 * The path under /assets/ as plain file-name segments, or undefined when any segment could leave the
 * folder or name something hidden: "..", ".", empty, a dotfile, an encoded slash or backslash, a NUL.
 */
export function assetSegments(pathname: string): string[] | undefined {
  const prefix = '/assets/';
  if (!pathname.startsWith(prefix)) return undefined;
  const raw = pathname.slice(prefix.length).split('/');
  const segments: string[] = [];
  for (const part of raw) {
    let segment: string;
    try {
      segment = decodeURIComponent(part);
    } catch {
      return undefined;
    }
    if (segment.length === 0 || segment.startsWith('.')) return undefined;
    if (/[/\\\0:]/.test(segment)) return undefined;
    segments.push(segment);
  }
  return segments.length > 0 ? segments : undefined;
}

async function readPublicFile(
  publicDir: string,
  segments: string[],
): Promise<{ body: Uint8Array<ArrayBuffer>; contentType: string } | undefined> {
  const contentType = CONTENT_TYPES[extname(segments[segments.length - 1] ?? '').toLowerCase()];
  if (!contentType) return undefined;
  try {
    // realpath: a symbolic link inside the folder must not lead out of it either.
    const root = await realpath(publicDir);
    const path = await realpath(join(root, ...segments));
    if (!path.startsWith(root + sep)) return undefined;
    const bytes = await readFile(path);
    return { body: new Uint8Array(bytes), contentType };
  } catch {
    return undefined;
  }
}
