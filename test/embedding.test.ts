import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync } from 'node:zlib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { ManualClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import type { Database } from '../src/db/client.js';
import { embedOrgOf } from '../src/http/dashboard.js';
import { PLATFORM_KEY } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

const HTML = { accept: 'text/html' };
const KEY = { authorization: `Bearer ${PLATFORM_KEY}` };

describe('embed paths name their organization', () => {
  it('reads the organization from te.<org>.<secret>, encoded or not, and nothing else', () => {
    expect(embedOrgOf('/embed/te.org_1.abcdef')).toBe('org_1');
    expect(embedOrgOf('/embed/te.org_1.abcdef/usage?theme=dark')).toBe('org_1');
    expect(embedOrgOf(`/embed/${encodeURIComponent('te.org_1.abc')}/widgets/credit-badge`)).toBe('org_1');
    expect(embedOrgOf('/usage')).toBeUndefined();
    expect(embedOrgOf('/embed/ts.org_1.abc')).toBeUndefined();
    expect(embedOrgOf('/embed/%E0%A4%A')).toBeUndefined();
  });

  it('TALLY_PUBLIC_URL is read by the config, trailing slash dropped, and must be http(s)', () => {
    expect(loadConfig({ TALLY_PUBLIC_URL: 'https://billing.example.com/' }).publicUrl).toBe('https://billing.example.com');
    expect(loadConfig({}).publicUrl).toBeUndefined();
    expect(() => loadConfig({ TALLY_PUBLIC_URL: 'ftp://x.example.com' })).toThrow(/TALLY_PUBLIC_URL/);
  });
});

describe.each(testDatabases)('embedding, framing and assets on $name', (target) => {
  let dist: string;
  let db: Database;
  let app: Awaited<ReturnType<typeof createApp>>;
  const bigScript = `console.log(${JSON.stringify('tally '.repeat(2000))});`;
  const call = async (method: 'GET' | 'PATCH' | 'POST' | 'PUT', url: string, payload?: object, headers: Record<string, string> = KEY) => {
    const res = await app.server.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, headers: res.headers, body: res.body ? (JSON.parse(res.body) as any) : undefined }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'tally-embed-dist-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(dist, 'assets', 'app-abc123.js'), bigScript);
    writeFileSync(join(dist, 'assets', 'app-abc123.js.br'), brotliCompressSync(bigScript));
    writeFileSync(join(dist, 'favicon.ico'), Buffer.from([0, 0, 1, 0, 1, 0]));
    db = await target.open();
    app = await createApp({
      db,
      clock: new ManualClock('2026-03-10T12:00:00Z'),
      platformKey: PLATFORM_KEY,
      log: pino({ level: 'error' }),
      dashboardDir: dist,
      publicUrl: 'https://billing.example.com',
    });
    await call('POST', '/v1/orgs', { id: 'org_host', name: 'Host Co', timezone: 'UTC', credit_factor: '1' });
    await call('POST', '/v1/orgs/org_host/members', { id: 'm_1', email: 'm1@host.test', name: 'M One', role: 'manager' });
  });
  afterAll(async () => {
    await app.close();
    await db.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it('embed_origins starts empty, is set through PATCH as normalized origins, and shows on GET', async () => {
    expect((await call('GET', '/v1/orgs/org_host')).body.embed_origins).toEqual([]);
    const patched = await call('PATCH', '/v1/orgs/org_host', {
      embed_origins: ['HTTPS://App.Example.com:443', 'http://localhost:5173', 'https://app.example.com/'],
    });
    expect(patched.status).toBe(200);
    expect(patched.body.embed_origins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect((await call('GET', '/v1/orgs/org_host')).body.embed_origins).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it('refuses anything that is not a bare http(s) origin, naming the bad entry', async () => {
    for (const bad of ['https://app.example.com/billing', '*', 'https://*.example.com', 'javascript:alert(1)', 'https://u:p@app.example.com', 'app.example.com', 'https://a.example.com?x=1']) {
      const res = await call('PATCH', '/v1/orgs/org_host', { embed_origins: [bad] });
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toContain('is not an origin');
    }
    const tooMany = await call('PATCH', '/v1/orgs/org_host', { embed_origins: Array.from({ length: 21 }, (_, i) => `https://h${i}.example.com`) });
    expect(tooMany.status).toBe(400);
    // The refused writes changed nothing.
    expect((await call('GET', '/v1/orgs/org_host')).body.embed_origins).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it('a manager cannot change who may embed the organization', async () => {
    const key = await call('POST', '/v1/orgs/org_host/api-keys', { name: 'manager key', role: 'manager', member: 'm_1' });
    expect(key.status).toBe(201);
    const res = await call('PATCH', '/v1/orgs/org_host', { embed_origins: ['https://evil.example.com'] }, { authorization: `Bearer ${key.body.secret}` });
    expect(res.status).toBe(403);
  });

  it('embed links are built from the public URL, not the Host header', async () => {
    const made = await app.server.inject({
      method: 'POST',
      url: '/v1/orgs/org_host/embed-tokens',
      headers: { ...KEY, host: 'attacker.example.net' },
      payload: { member: 'm_1', ttl_seconds: 60 },
    });
    const body = JSON.parse(made.body) as { url: string; token: string };
    expect(body.url).toBe(`https://billing.example.com/embed/${encodeURIComponent(body.token)}`);
  });

  it('embed pages may be framed by the organization’s origins only; the standalone app by nobody', async () => {
    const embed = await app.server.inject({ method: 'GET', url: '/embed/te.org_host.abcdefabcdefabcdefabcdefabcdefabcdef/usage', headers: HTML });
    expect(embed.statusCode).toBe(200);
    expect(embed.headers['content-security-policy']).toBe('frame-ancestors https://app.example.com http://localhost:5173');
    expect(embed.headers['x-frame-options']).toBeUndefined();

    const widget = await app.server.inject({ method: 'GET', url: '/embed/te.org_host.abcdefabcdefabcdefabcdefabcdefabcdef/widgets/credit-badge', headers: HTML });
    expect(widget.headers['content-security-policy']).toBe('frame-ancestors https://app.example.com http://localhost:5173');

    for (const url of ['/', '/usage', '/login', '/embed/te.org_unknown.abcdefabcdefabcdef', '/embed/garbage']) {
      const res = await app.server.inject({ method: 'GET', url, headers: HTML });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-security-policy'], url).toBe("frame-ancestors 'none'");
      expect(res.headers['x-frame-options'], url).toBe('DENY');
    }
    const api = await app.server.inject({ method: 'GET', url: '/v1/orgs/org_host', headers: KEY });
    expect(api.headers['content-security-policy']).toBe("frame-ancestors 'none'");

    await call('PATCH', '/v1/orgs/org_host', { embed_origins: [] });
    const none = await app.server.inject({ method: 'GET', url: '/embed/te.org_host.abcdefabcdefabcdefabcdefabcdefabcdef', headers: HTML });
    expect(none.headers['content-security-policy']).toBe("frame-ancestors 'none'");
  });

  it('sends the precompressed brotli file when the browser takes it, gzip otherwise, with immutable caching', async () => {
    const br = await app.server.inject({ method: 'GET', url: '/assets/app-abc123.js', headers: { 'accept-encoding': 'br, gzip' } });
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(bigScript);
    expect(br.rawPayload.length).toBeLessThan(bigScript.length / 10);

    const gz = await app.server.inject({ method: 'GET', url: '/assets/app-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(bigScript);

    const plain = await app.server.inject({ method: 'GET', url: '/assets/app-abc123.js', headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(bigScript);
  });

  it('compresses API answers too', async () => {
    const res = await app.server.inject({ method: 'GET', url: '/v1/openapi.json', headers: { ...KEY, 'accept-encoding': 'br' } });
    expect(res.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(res.rawPayload).toString()).openapi).toBe('3.1.0');
  });

  it('serves a favicon instead of a 404', async () => {
    const res = await app.server.inject({ method: 'GET', url: '/favicon.ico' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=86400');
  });
});
