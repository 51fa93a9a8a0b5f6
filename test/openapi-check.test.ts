import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkAnswer, checkedAnswers, uncheckedOperations } from './support/openapi-check';
import { startCheckingProxy } from './support/openapi-proxy';

// The checker the end-to-end tests rely on, on answers made up here: it must refuse what the document does not promise.
const importance = {
  method: 'ped-anova',
  metric: 'ndcg100',
  trials: 2,
  needed: 3,
  insufficient: true,
  importance: {},
};
const JSON_TYPE = 'application/json; charset=utf-8';

describe('checkAnswer', () => {
  it('takes an answer as documented, and counts its operation as checked', () => {
    expect(uncheckedOperations()).toContain('GET /sweeps/{id}/importance 200');
    checkAnswer('GET', '/sweeps/s1/importance', 200, importance, JSON_TYPE);
    expect(checkedAnswers).toContain('GET /sweeps/{id}/importance 200');
    expect(uncheckedOperations()).not.toContain('GET /sweeps/{id}/importance 200');
  });

  it('refuses a field the document does not name, naming it, and counts no such answer as checked', () => {
    expect(() =>
      checkAnswer('GET', '/sweeps/s1/importance', 200, { ...importance, shares: {} }, JSON_TYPE),
    ).toThrow(/GET \/sweeps\/\{id\}\/importance 200: .*"additionalProperty":"shares"/);
    expect(() => checkAnswer('GET', '/sweeps/s1/comparison', 200, {}, JSON_TYPE)).toThrow(/required/);
    expect(uncheckedOperations()).toContain('GET /sweeps/{id}/comparison 200');
  });

  it('refuses a missing field, a wrong type, an undocumented status and an undocumented content type', () => {
    const { needed: _, ...missing } = importance;
    expect(() => checkAnswer('GET', '/sweeps/s1/importance', 200, missing, JSON_TYPE)).toThrow(/needed/);
    expect(() =>
      checkAnswer('GET', '/sweeps/s1/importance', 200, { ...importance, trials: '2' }, JSON_TYPE),
    ).toThrow(/trials/);
    expect(() => checkAnswer('GET', '/sweeps/s1/importance', 418, {}, JSON_TYPE)).toThrow(
      /status is not documented/,
    );
    const error = { statusCode: 404, message: 'sweep "s1" not found' };
    expect(() => checkAnswer('GET', '/sweeps/s1/report', 404, error, 'text/html; charset=utf-8')).toThrow(
      /answered text\/html, documented application\/json/,
    );
  });

  it('lets through what is not an operation: a wrong path or method answered 404', () => {
    checkAnswer('GET', '/no/such/route', 404, {}, JSON_TYPE);
    checkAnswer('PUT', '/sweeps/s1', 404, {}, JSON_TYPE);
    expect(() => checkAnswer('PUT', '/sweeps/s1', 200, {}, JSON_TYPE)).toThrow(/no such operation/);
  });
});

describe('the checking proxy (for clients in other processes: the built CLI)', () => {
  it('passes every answer on unchanged, and records those that break the document', async () => {
    // A stand-in API: a documented answer, one with a field too many, and a 404 of no route.
    const api = createServer((req, res) => {
      const body = req.url === '/sweeps/good/importance' ? importance : { ...importance, shares: { lr: 1 } };
      res.writeHead(req.url === '/nowhere' ? 404 : 200, { 'content-type': JSON_TYPE });
      res.end(JSON.stringify(req.url === '/nowhere' ? { statusCode: 404 } : body));
    });
    await new Promise<void>((ok) => api.listen(0, '127.0.0.1', ok));
    const proxy = await startCheckingProxy(`http://127.0.0.1:${(api.address() as { port: number }).port}`);
    try {
      const good = await fetch(`${proxy.url}/sweeps/good/importance`);
      expect(await good.json()).toEqual(importance);
      const bad = await fetch(`${proxy.url}/sweeps/bad/importance`);
      expect(bad.status).toBe(200);
      expect(await bad.json()).toEqual({ ...importance, shares: { lr: 1 } }); // unchanged
      expect((await fetch(`${proxy.url}/nowhere`)).status).toBe(404);
      expect(proxy.violations()).toHaveLength(1);
      expect(proxy.violations()[0]).toMatch(
        /^GET \/sweeps\/bad\/importance 200: .*"additionalProperty":"shares"/,
      );
      expect(proxy.checked()).toEqual(['GET /sweeps/good/importance 200', 'GET /nowhere 404']);
    } finally {
      await proxy.close();
      await new Promise((ok) => api.close(ok));
    }
  });
});
